; x86.s — a guest that looks at the machine the x86 way
;
; The kernel starts a user task in a partition at base 0x400. The task asks
; `getr` where it is loaded, and the kernel asks `gpsw` which mode it runs in.
; Neither instruction is privileged, yet both are sensitive: getr is
; location-sensitive (it reveals base), gpsw is mode-sensitive (it reveals S).
; Under any monitor that runs them directly they report the real machine,
; not the virtual one — Robin & Irvine's finding for the Pentium (2000).
; Theorems 1 and 3 both fail: even the hybrid monitor, which interprets the
; kernel, runs the user task directly and its getr sees the real base.
;
;   trapeze run   programs/variants/x86.s
;   trapeze equiv programs/variants/x86.s                  → NOT EQUIVALENT
;   trapeze equiv programs/variants/x86.s --monitor hybrid → NOT EQUIVALENT

        .isa pg32-x86                ; the ISA this program is written for: tools run it on that

        .equ TASK, 0x400

        .org 8
        .word 1, handler, 0, 65536     ; new PSW: supervisor, IE off, base 0

        .org 16
start:  gpsw r1                        ; flags: 1 = supervisor
        la   r2, modemsg
        call puts
        out  r1, 2
        li   r1, '\n'
        out  r1, 0
        la   r3, taskpsw
        lpsw r3                        ; run the task: user mode, base TASK

handler:                                ; the task's svc: r1 = the base it saw
        la   r2, basemsg
        call puts
        out  r1, 2
        li   r1, '\n'
        out  r1, 0
        halt

; puts(r2): print the 0-terminated string at r2
puts:   ld   r5, 0(r2)
        beqz r5, done
        out  r5, 0
        addi r2, r2, 1
        b    puts
done:   ret

taskpsw: .word 0, 0, TASK, 64           ; user mode, pc 0, base TASK, bound 64
modemsg: .string "kernel: gpsw says flags = "
basemsg: .string "task: getr says my base is "

        .org TASK
task:   getr r1
        svc  0
