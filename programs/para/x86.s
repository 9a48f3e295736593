; x86.s — the x86 demo, paravirtual: it asks the monitor instead of looking at the machine
; paravirtual twin: variants/x86.s
;
; variants/x86.s shows that gpsw and getr, sensitive but not privileged,
; defeat trap-and-emulate on pg32-x86: run directly, they report the real
; machine. This guest is the same program changed the Xen way (2003): where
; it needs the virtual machine's state it calls the monitor (ISA.md,
; "Hypercalls"), so it runs correctly under plain trap-and-emulate:
;
;   gpsw r1 (kernel)   ->  svc FLAGS: the monitor answers with the virtual flags
;   getr r1 (task)     ->  the task asks its kernel with svc 0; the kernel reads
;                          the base from the task's saved PSW (the trap sequence
;                          saved the virtual PSW, whatever the monitor)
;   out (byte by byte) ->  one multicall of writes per line: one exit per line
;   halt               ->  svc HALT
;
; lpsw stays: it is privileged, so every monitor traps and emulates it.
; On the bare machine there is no monitor to call: the probe traps, and the
; guest says so and stops.
;
;   trapeze vmm   programs/para/x86.s --isa pg32-x86 --stats   (trap-and-emulate: correct)
;   trapeze run   programs/variants/x86.s --isa pg32-x86       (the same two lines, bare)

        .equ TASK, 0x400
        .equ HC, 0xFF00                 ; hypercall n is svc HC + n
        .equ PROBE, HC + 0
        .equ FLAGS, HC + 3
        .equ MULTICALL, HC + 7
        .equ HALT, HC + 9
        .equ WRITE, 1                   ; call numbers, as multicall entries name them

        .isa pg32-x86

        .org 8
        .word 1, nohv, 0, 65536         ; until the probe succeeds, a trap means: no monitor

        .org 16
start:  li   sp, 0x8000
        li   r1, 0
        svc  PROBE                      ; a monitor answers r1 = 0x5047; bare, this traps to nohv
        li   r2, 0x5047
        bne  r1, r2, nohv
        la   r1, handler                ; the task's svc goes to handler from now on
        st   r1, 9(r0)

        svc  FLAGS                      ; r1 = the virtual flags (1: supervisor), not the real ones
        la   r2, digits
        call itoa                       ; digits of r1; r1 = how many
        la   r3, mc_mode
        st   r1, 6(r3)                  ; the second write's length
        la   r1, mc_mode
        li   r2, 3
        svc  MULTICALL                  ; "kernel: gpsw says flags = 1\n": one exit
        la   r3, taskpsw
        lpsw r3                         ; run the task: user mode, base TASK

handler:                                ; the task's svc 0: "where am I loaded?"
        ld   r1, 2(r0)                  ; base, from the task's saved PSW
        la   r2, digits
        call itoa
        la   r3, mc_base
        st   r1, 6(r3)
        la   r1, mc_base
        li   r2, 3
        svc  MULTICALL                  ; "task: getr says my base is 1024\n": one exit
        svc  HALT

; itoa: the decimal digits of r1 (>= 0) at r2..; r1 = how many. Uses r3..r5.
itoa:   li   r3, 10
        li   r4, 0                      ; digits on the stack
itoa_push:
        rem  r5, r1, r3
        addi r5, r5, '0'
        push r5
        addi r4, r4, 1
        div  r1, r1, r3
        bnez r1, itoa_push
        mov  r1, r4
itoa_pop:
        pop  r5
        st   r5, 0(r2)
        addi r2, r2, 1
        addi r4, r4, -1
        bnez r4, itoa_pop
        ret

; No monitor (the bare machine): say so with plain out, and stop.
nohv:   la   r2, nohvmsg
nohv_loop:
        ld   r5, 0(r2)
        beqz r5, nohv_end
        out  r5, 0
        addi r2, r2, 1
        b    nohv_loop
nohv_end:
        halt

; multicall tables: (call, buffer, length, unused) per write
mc_mode: .word WRITE, modemsg, basemsg - modemsg - 1, 0
         .word WRITE, digits, 0, 0      ; length filled in
         .word WRITE, newline, 1, 0
mc_base: .word WRITE, basemsg, newline - basemsg - 1, 0
         .word WRITE, digits, 0, 0
         .word WRITE, newline, 1, 0

taskpsw: .word 0, 0, TASK, 64           ; user mode, pc 0, base TASK, bound 64
modemsg: .string "kernel: gpsw says flags = "
basemsg: .string "task: getr says my base is "
newline: .word '\n'
digits:  .space 12
nohvmsg: .string "para/x86.s: no hypervisor answered the probe: this guest is paravirtual; run it under a trapeze monitor (trapeze vmm or equiv)\n"

        .org TASK
task:   svc  0                          ; ask the kernel (getr would show the real base)
