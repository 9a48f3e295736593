; type2.s — a hosted (type 2) hypervisor for PG32: the same monitor as
; type1.s, but running as an ordinary user task of the mini kernel, beside
; the kernel's other tasks. It asks the kernel to run guest code, as a KVM
; user-space monitor asks /dev/kvm, and does the rest of the emulation
; itself.
;
;   trapeze run programs/os/kernel.s --input programs/os/kernel.input \
;       --load programs/vmm/type2.s@0x2000:0x10000 \
;       --load programs/hello.s@0x6000:0x4000 --load programs/sieve.s@0xa000:0x4000
;
; The kernel (programs/os/kernel.s) makes this program its task D, in the
; partition 0x2000..0x11fff, and hands it a boot table of the two programs
; inside that partition; to this task they are at 0x4000 and 0x8000 of its
; own storage. It runs them as guests, with the kernel's services:
;
;   run a guest        svc 5 (run): the kernel runs the run block (`gregs`)
;                      in user mode, relocated inside this task, until it
;                      traps, and returns the cause (programs/os/run.s)
;   console            svc 2 (puts) for each whole "[name] line", svc 4 (getc)
;   time               the run's step count: 1 while the guest's TIMER runs
;                      (exact, as type1.s's step mode), else a time slice
;   stop               svc 0 (exit) when every guest has stopped
;
; Everything else — the dispatcher, the interpreter routines, reflecting
; traps through the guest's low storage, the virtual timer, the prefixed
; consoles — is core.s, the very code type1.s runs. What differs is one
; more crossing per trap: guest -> kernel -> this task -> (svc 5) -> kernel
; -> guest, where type1.s has guest -> monitor -> guest.

        .equ    RB_STEPS, 20            ; the run block (programs/os/run.s)
        .equ    RB_CAUSE, 21
        .equ    RB_INFO, 22
        .equ    KERNEL_QUANTUM, 50      ; the host kernel's time slice (kernel.s QUANTUM)

        .org    16
; The run block, which is also the current guest's register file for
; core.s: +1..+15 r1..r15 (+0 stays 0), +16..+19 PSW, +20 steps, +21..+22
; what ended the run.
gregs:  .space  24
runsteps: .word 0                       ; steps asked for in the current run

; ===========================================================================
; plat_run: run the guest at r10 until it traps, through the kernel.
;
; The allocator: the run block's relocation is the guest's composed with
; its partition (base = partition + virtual base, bound = what of the
; virtual bound lies inside the partition); the kernel composes it once
; more with this task's own, so the guest can reach nothing but its
; partition. This is the only code that sets a guest's real relocation.
plat_run:
        ld      r1, V_PC(r10)
        st      r1, gregs+17(r0)
        ld      r1, V_PORG(r10)
        ld      r2, V_BASE(r10)
        add     r1, r1, r2
        st      r1, gregs+18(r0)
        call    vlimit
        st      r3, gregs+19(r0)
        li      r1, 1                   ; the guest's TIMER runs: one exact step
        ld      r2, V_TIMER(r10)
        bnez    r2, plat_run_go
        ld      r1, sliceleft(r0)       ; else the rest of the slice
plat_run_go:
        st      r1, gregs+RB_STEPS(r0)
        st      r1, runsteps(r0)
        la      r1, gregs
        svc     5                       ; run; r1 <- the cause
        li      r2, TIMER
        beq     r1, r2, plat_timer
        ld      r2, gregs+17(r0)        ; the guest's own trap: to the dispatcher
        st      r2, V_PC(r10)
        ld      r2, gregs+RB_INFO(r0)
        b       dispatch
plat_timer:                             ; its steps are done
        ld      r2, gregs+17(r0)
        st      r2, V_PC(r10)
        ld      r1, runsteps(r0)
        li      r2, 1
        beq     r1, r2, plat_step
        ; A longer run ended by time: the kernel may have ended it early, at its
        ; own quantum, and does not say after how many steps (it cannot read the
        ; timer either). The guest cannot tell where its slice ends: charge it
        ; one kernel quantum and go on; resume switches guests when the slice
        ; is used up.
        ld      r1, sliceleft(r0)
        addi    r1, r1, -KERNEL_QUANTUM
        st      r1, sliceleft(r0)
        b       resume
plat_step:                              ; one step: exactly one instruction completed
        ld      r1, sliceleft(r0)
        addi    r1, r1, -1
        st      r1, sliceleft(r0)
        call    tick
        b       resume

; plat_slice: a guest is switched in (nothing to do: each run says its steps).
plat_slice:
        ret

; plat_line: the r2 bytes at r1 as one console line: one svc 2 (puts), or
; one svc 1 (putc) per byte if the line holds a 0 byte, which puts cannot
; carry.
plat_line:
        add     r3, r1, r2
        st      r0, 0(r3)               ; (obuf has room for the terminator)
        mov     r4, r1
plat_line_scan:
        beq     r4, r3, plat_line_puts
        ld      r5, 0(r4)
        beqz    r5, plat_line_bytes
        addi    r4, r4, 1
        b       plat_line_scan
plat_line_puts:
        svc     2
        ret
plat_line_bytes:
        mov     r4, r1
plat_line_byte:
        beq     r4, r3, plat_line_end
        ld      r1, 0(r4)
        svc     1
        addi    r4, r4, 1
        b       plat_line_byte
plat_line_end:
        ret

; plat_getc: r1 <- the next console input byte, or -1 (svc 4).
plat_getc:
        svc     4
        ret

; plat_done: every guest has stopped: the task exits (status 0).
plat_done:
        li      r1, 0
        svc     0

; ===========================================================================
start:
        la      sp, mstack_top
        b       core_boot

        .include "core.s"
        .include "../lib/itoa.s"
        .include "../lib/boot.s"

plat_name: .string "type2"
mstack:    .space  64
mstack_top:
