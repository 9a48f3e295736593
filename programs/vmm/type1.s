; type1.s — a type 1 hypervisor for PG32, written in PG32: it runs on the
; bare machine (or on itself, or under any monitor) and hosts unmodified
; PG32 programs as guests, each in its own partition, time-sliced, each
; with its own prefixed console.
;
;   trapeze run programs/vmm/type1.s --load programs/hello.s@0x4000 \
;                                    --load programs/sieve.s@0x8000
;
; It is Popek & Goldberg's construction (programs/vmm/README.md walks one
; trapped `out` through it): a dispatcher entered on every trap, an
; allocator that is the only code loading real relocation, and one
; interpreter routine per privileged instruction. The dispatcher and the
; routines are in core.s, shared with the hosted monitor type2.s; this file
; is the layer that touches the real machine: the trap vector, the
; allocator, the real timer, the console ports.
;
; ---------------------------------------------------------------------------
; TIME. A guest's TIMER must count exactly its own instructions, or a
; timer-driven guest (the mini kernel, whose output says how often each
; task was preempted) would not behave as on the bare machine. The monitor
; has one real TIMER, needs it for its own time slice, and, like every
; PG32 program, cannot read it: no instruction reveals the timer (that is
; Theorem 2's condition, and it binds the monitor too). trapeze's own VMM,
; written outside the machine, passes the real timer through and slices
; with its run loop's step budget (src/vmm/vmm.ts, "Time"); a monitor
; inside the machine has no step budget but the timer itself.
;
; So why not let the real timer run the guest's count, and read what is
; left when the guest traps? Because the only way to observe the timer is
; to let it expire, with interrupts on, and take the interrupt: a trap
; sequence, which overwrites words 0..5, where the hardware has just put
; the guest's PSW, cause and info. Saving those first takes instructions
; (at least five: free a register, copy pc and cause), and the timer counts
; them; if the guest trapped within those last few counts of its time, the
; timer expires during the save, and how many of the guest's own
; instructions ran is lost. No ordering avoids that window. The monitor
; therefore never needs the count after a trap it did not ask for:
;
;   guest TIMER off (V_TIMER = 0): DIRECT mode. The guest runs at full
;       speed; the real timer counts the monitor's time slice, and nothing
;       the guest can see depends on where a slice ends. After a trap the
;       monitor resumes the guest without touching the timer (its own time
;       is charged to the slice, as the mini kernel charges system calls to
;       a task); when the slice expires, the next guest runs.
;   guest TIMER on: STEP mode. The real timer is armed for exactly one
;       guest instruction at each entry (STEP_ARM counts the two monitor
;       instructions after `stimer`), so every trap comes after 0 or 1 guest
;       instructions, known by its cause: TIMER = one completed, anything
;       else = the trapping instruction did not complete. The fast path
;       (`trap`, twelve instructions) counts a batch of steps, min(guest
;       TIMER, slice), in `stepleft`; `settle` charges the batch to the
;       virtual TIMER and the slice when the monitor proper is entered.
;
; Emulated instructions count for the virtual timer in the interpreter
; routines (core.s `tick`), `stimer` excepted, as on the bare machine.
; Virtual time is exact in both modes; what the exactness costs is 12
; monitor instructions per guest instruction while a guest's timer runs
; (bench/RESULTS.md, "PG32 monitors"). The guest's IE is virtual: the real
; PSW always has IE on, so the monitor's timer reaches it; pg32 has no
; instruction that could show the guest the real IE.
; ---------------------------------------------------------------------------

        .equ    STEP_ARM, 3             ; real TIMER for one guest step: ld r1 + lpsw r0 + 1
        .equ    SLICE_ARM, 2            ; the same two instructions before a direct slice
        .equ    BIG, 0x40000000         ; bound of the monitor's own PSW: all of storage

        .org    8                       ; the new PSW: every trap enters the monitor
        .word   1, trap, 0, BIG         ; supervisor, IE off, base 0 (physical addresses)

        .org    16
gregs:  .space  16                      ; the current guest's r0..r15 (r0's word stays 0)
stepleft: .word 0                       ; step mode: guest steps left in this batch
batch:  .word   0                       ; step mode: the batch size
stepping: .word 0                       ; 1 while the current guest runs in step mode
slicearmed: .word 0                     ; 1 while the real timer counts the current slice

; ===========================================================================
; The trap vector. Every trap of a guest arrives here, with the guest's
; registers still in the registers and its real PSW, cause and info at 0..5.
;
; The fast path first: a TIMER trap in step mode means one guest instruction
; completed and nothing else happened; count it, re-arm for one more, and go
; back (lpsw r0 loads the PSW the hardware just saved). Everything else is
; saved completely and goes to the dispatcher.
trap:
        st      r1, gregs+1(r0)         ; through r0: no free register needed
        ld      r1, 4(r0)               ; the cause
        addi    r1, r1, -TIMER
        bnez    r1, trap_full
        ld      r1, stepleft(r0)
        addi    r1, r1, -1
        st      r1, stepleft(r0)
        bge     r0, r1, trap_full       ; the batch is done (or this is a slice's end)
        li      r1, STEP_ARM
        stimer  r1                      ; (not counted)
        ld      r1, gregs+1(r0)         ; 1
        lpsw    r0                      ; 2: the guest, for one more instruction

trap_full:
        st      r2, gregs+2(r0)
        st      r3, gregs+3(r0)
        st      r4, gregs+4(r0)
        st      r5, gregs+5(r0)
        st      r6, gregs+6(r0)
        st      r7, gregs+7(r0)
        st      r8, gregs+8(r0)
        st      r9, gregs+9(r0)
        st      r10, gregs+10(r0)
        st      r11, gregs+11(r0)
        st      r12, gregs+12(r0)
        st      r13, gregs+13(r0)
        st      r14, gregs+14(r0)
        st      r15, gregs+15(r0)
        la      sp, mstack_top
        ld      r1, 0(r0)               ; the monitor never traps itself: if it
        andi    r1, r1, F_S             ; did, it is a bug, not the guest's doing
        bnez    r1, monitor_trapped
        ld      r10, cur(r0)
        ld      r1, 1(r0)               ; the guest's pc, as the hardware saved it
        st      r1, V_PC(r10)           ; (relocation is composed: it is the virtual pc)
        call    settle
        ld      r1, 4(r0)
        ld      r2, 5(r0)
        li      r3, TIMER
        bne     r1, r3, dispatch        ; core.s: the guest's own trap
        ld      r1, stepping(r0)        ; our timer: a batch of steps is done ...
        bnez    r1, resume
        b       schedule                ; ... or the slice is over

; settle: in step mode, charge the guest instructions completed since the
; last entry (the batch minus what is left of it) to the virtual TIMER and to
; the slice. If that exhausts the virtual TIMER, its interrupt is pending.
; Why: the fast path only counts down `stepleft`; the monitor proper keeps
; V_TIMER and `sliceleft` exact at every entry.
settle:
        ld      r1, stepping(r0)
        beqz    r1, settle_end
        ld      r1, batch(r0)
        ld      r2, stepleft(r0)
        sub     r1, r1, r2              ; steps done
        st      r0, batch(r0)           ; (so a second settle adds nothing)
        st      r0, stepleft(r0)
        ld      r2, V_TIMER(r10)
        sub     r2, r2, r1
        st      r2, V_TIMER(r10)
        bnez    r2, settle_slice
        li      r3, 1
        st      r3, V_PEND(r10)
settle_slice:
        ld      r2, sliceleft(r0)
        sub     r2, r2, r1
        st      r2, sliceleft(r0)
settle_end:
        ret

; ===========================================================================
; plat_run: run the guest at r10 until it traps.
;
; The allocator composes the real PSW at words 0..3 — user mode, IE on, the
; guest's pc, real base = partition + virtual base, real bound = the part of
; the virtual bound that lies inside the partition — so the guest's virtual
; address a reaches exactly its own word base + a and faults exactly where
; its own hardware would. Then the real timer is armed (step mode: one
; instruction; direct mode: the rest of the slice, once) and the registers
; come back; `lpsw r0` enters the guest.
; Must preserve: this is the only code that loads real relocation for a
; guest (the fast path reloads what the hardware saved from it).
plat_run:
        li      r1, F_IE                ; real flags: user mode, interrupts on
        st      r1, 0(r0)
        ld      r1, V_PC(r10)
        st      r1, 1(r0)
        ld      r1, V_PORG(r10)
        ld      r2, V_BASE(r10)
        add     r1, r1, r2
        st      r1, 2(r0)
        call    vlimit                  ; r3 = min(bound, partition - base), 0 if base is past it
        st      r3, 3(r0)
        ld      r1, V_TIMER(r10)
        bnez    r1, plat_run_step
        ; direct mode: the real timer is the slice
        st      r0, stepping(r0)
        st      r0, stepleft(r0)
        ld      r1, slicearmed(r0)
        bnez    r1, exit_noarm          ; still counting: leave it alone
        li      r1, 1
        st      r1, slicearmed(r0)
        ld      r1, sliceleft(r0)
        addi    r1, r1, SLICE_ARM
        b       exit_arm
exit_noarm:
        li      r1, 0
        b       exit_arm
plat_run_step:                          ; step mode: a batch of min(TIMER, slice) steps
        ld      r2, sliceleft(r0)
        bltu    r1, r2, plat_run_batch
        mov     r1, r2
plat_run_batch:
        st      r1, batch(r0)
        st      r1, stepleft(r0)
        li      r1, 1
        st      r1, stepping(r0)
        st      r0, slicearmed(r0)
        li      r1, STEP_ARM

; exit_arm: the guest's registers back, the real TIMER <- r1 (0: leave the
; timer alone), into the guest. After `stimer` exactly two instructions
; run before the guest's (STEP_ARM, SLICE_ARM count them).
exit_arm:
        ld      r2, gregs+2(r0)
        ld      r3, gregs+3(r0)
        ld      r4, gregs+4(r0)
        ld      r5, gregs+5(r0)
        ld      r6, gregs+6(r0)
        ld      r7, gregs+7(r0)
        ld      r8, gregs+8(r0)
        ld      r9, gregs+9(r0)
        ld      r10, gregs+10(r0)
        ld      r11, gregs+11(r0)
        ld      r12, gregs+12(r0)
        ld      r13, gregs+13(r0)
        ld      r14, gregs+14(r0)
        ld      r15, gregs+15(r0)
        beqz    r1, exit_go
        stimer  r1                      ; (not counted)
exit_go:
        ld      r1, gregs+1(r0)         ; 1
        lpsw    r0                      ; 2: PSW <- words 0..3, the composed PSW

; plat_slice: a guest is switched in; its slice is not on the real timer yet.
plat_slice:
        st      r0, slicearmed(r0)
        st      r0, stepping(r0)
        ret

; plat_line: write the r2 bytes at r1 (one per word) to the console.
plat_line:
        beqz    r2, plat_line_end
        ld      r3, 0(r1)
        out     r3, 0
        addi    r1, r1, 1
        addi    r2, r2, -1
        b       plat_line
plat_line_end:
        ret

; plat_getc: r1 <- the next console input byte, or -1.
plat_getc:
        in      r1, 1
        ret

; plat_done: every guest has stopped.
plat_done:
        li      r1, 0
        stimer  r1
        halt

; monitor_trapped: the monitor itself took a trap (a bug): report it, stop.
monitor_trapped:
        ld      r1, 4(r0)
        b       internal_error

; ===========================================================================
start:
        la      sp, mstack_top
        b       core_boot

        .include "core.s"
        .include "../lib/itoa.s"
        .include "../lib/boot.s"

plat_name: .string "type1"
mstack:    .space  64
mstack_top:
