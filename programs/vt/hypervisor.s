; hypervisor.s — a hypervisor built on hardware assist (ISA.md "Extension vt")
; isa: pg32-x86-vt
;
; Two guests share the machine, each in a partition of its own, each run in
; guest mode with `vmrun`:
;   x86 — a little x86-variant kernel that asks `gpsw` for its mode and
;         `getr` for its base, then runs a user task that asks `getr` too.
;         Under trap-and-emulate these instructions would report the real
;         machine; in guest mode they report the guest's own state.
;   fib — a pg32 guest computing Fibonacci numbers.
; The hypervisor time-slices them with the host TIMER (an HTIMER exit ends a
; slice) and owns the console: it intercepts IO and HALT, and emulates
; `out` into a line buffer per guest, printed with the guest's name when a
; line is complete — a console multiplexer.
;
; The hypervisor itself uses no x86-variant instruction: they run only in
; guest mode. So it is equivalent bare, under `--monitor hw`, and even under
; trap-and-emulate, whose vmrun routine runs guest mode in software.
;
;   trapeze run   programs/vt/hypervisor.s --isa pg32-x86-vt
;   trapeze equiv programs/vt/hypervisor.s --isa pg32-x86-vt --monitor hw --depth 2

        .equ    QUANTUM, 40             ; host timer slice, in guest instructions
        .equ    G1, 0x1000              ; the x86 guest's partition (physical)
        .equ    G2, 0x2000              ; the fib guest's partition
        .equ    GSIZE, 0x1000           ; words in each
        .equ    INTERCEPTS, 3           ; IO (bit 0) and HALT (bit 1)
        .equ    EXIT_INSTR, 16
        .equ    EXIT_HTIMER, 18
        .equ    CODE, 9                 ; control block words: exit code, exit info, r0
        .equ    INFO, 10
        .equ    REGS, 16
        .equ    STACK, 0x800

        .org    16
start:  li      sp, STACK
        li      r10, 0                  ; r10: the guest whose turn it is (0 or 1)
        li      r9, 2                   ; r9: guests still running

; The scheduler: round robin over the guests that have not halted.
sched:  beqz    r9, alldone
        shli    r11, r10, 2             ; r11 = &guests[r10]: cb, done, name, buffer
        la      r1, guests
        add     r11, r11, r1
        ld      r1, 1(r11)
        bnez    r1, other               ; this one has halted
        ld      r12, 0(r11)             ; r12 = its control block
        li      r1, QUANTUM
        stimer  r1                      ; the slice: the host TIMER counts guest instructions
        vmrun   r12                     ; ... run it until an exit
        stimer  r0                      ; host timer off (and its pending interrupt cleared)

; The exit handler: one case per exit code.
        ld      r2, CODE(r12)
        li      r3, EXIT_HTIMER
        beq     r2, r3, other           ; slice over: the next guest
        li      r3, EXIT_INSTR
        beq     r2, r3, instr           ; an intercepted instruction: emulate it
        la      r2, m_exit              ; anything else ends the guest: say which exit
        call    label
        ld      r7, CODE(r12)
        call    putdec
        call    flush
        b       stop

; INSTR: the exit info is the instruction word. Which instruction is it?
; Compare its opcode byte with those of template instructions, so that no
; opcode number is written here.
instr:  ld      r4, INFO(r12)
        ld      r5, t_out(r0)
        xor     r6, r4, r5
        shri    r6, r6, 24
        beqz    r6, e_out
        ld      r5, t_in(r0)
        xor     r6, r4, r5
        shri    r6, r6, 24
        beqz    r6, e_in
        call    flush                   ; halt: the guest's last partial line, then it stops
stop:   li      r1, 1
        st      r1, 1(r11)
        addi    r9, r9, -1
        b       other

; out rs, port: the guest's rs is in its control block (word REGS + rs).
e_out:  shri    r6, r4, 16
        andi    r6, r6, 15              ; rs
        add     r6, r6, r12
        ld      r7, REGS(r6)            ; its value
        andi    r6, r4, 0xffff          ; port
        bnez    r6, e_out2
        call    putc                    ; port 0: one byte
        b       next_pc
e_out2: li      r5, 2
        bne     r6, r5, next_pc         ; other ports ignore writes
        call    putdec                  ; port 2: decimal
        b       next_pc

; in rd, port: this console has no input; every port reads -1.
e_in:   shri    r6, r4, 20
        andi    r6, r6, 15              ; rd
        beqz    r6, next_pc             ; r0 stays 0
        add     r6, r6, r12
        li      r5, -1
        st      r5, REGS(r6)
next_pc:
        ld      r1, 1(r12)              ; the instruction is done: guest pc + 1
        addi    r1, r1, 1
        st      r1, 1(r12)
        b       other                   ; every exit ends the slice: the other guest's turn

other:  xori    r10, r10, 1
        b       sched

alldone:
        halt

; putc(r7): append a byte to the current guest's line; print the line at '\n'.
putc:   push    lr
        ld      r13, 3(r11)             ; the buffer: word 0 = length
        ld      r8, 0(r13)
        addi    r8, r8, 1
        add     r6, r13, r8
        st      r7, 0(r6)
        st      r8, 0(r13)
        li      r6, 10
        beq     r7, r6, putc_nl
        li      r6, 60
        blt     r8, r6, putc_end
        call    flush                   ; a long line is printed in pieces
        b       putc_end
putc_nl:
        addi    r8, r8, -1              ; the newline itself is printed by flush
        st      r8, 0(r13)
        call    flush
putc_end:
        pop     lr
        ret

; putdec(r7): append a signed decimal number.
putdec: push    lr
        push    r7
        bge     r7, r0, pd_pos
        li      r7, '-'
        call    putc
        ld      r7, 0(sp)
        sub     r7, r0, r7
pd_pos: la      r3, digits              ; digits, least significant first
        mov     r4, r3
        li      r5, 10
pd_div: rem     r6, r7, r5
        addi    r6, r6, '0'
        st      r6, 0(r4)
        addi    r4, r4, 1
        div     r7, r7, r5
        bnez    r7, pd_div
pd_out: addi    r4, r4, -1
        ld      r7, 0(r4)
        push    r3
        push    r4
        call    putc
        pop     r4
        pop     r3
        bne     r4, r3, pd_out
        pop     r7
        pop     lr
        ret

; flush: print "[name] line\n" for the current guest and empty its buffer.
flush:  push    lr
        ld      r13, 3(r11)
        ld      r8, 0(r13)
        beqz    r8, fl_end
        li      r2, '['
        out     r2, 0
        ld      r2, 2(r11)
        call    puts
        li      r2, ']'
        out     r2, 0
        li      r2, ' '
        out     r2, 0
        ld      r13, 3(r11)
        ld      r8, 0(r13)
fl_ch:  addi    r13, r13, 1
        ld      r2, 0(r13)
        out     r2, 0
        addi    r8, r8, -1
        bnez    r8, fl_ch
        li      r2, 10
        out     r2, 0
        ld      r13, 3(r11)
        st      r0, 0(r13)
fl_end: pop     lr
        ret

; label(r2): append the string at r2 to the current guest's line.
label:  push    lr
lb_ch:  ld      r7, 0(r2)
        beqz    r7, lb_end
        push    r2
        call    putc
        pop     r2
        addi    r2, r2, 1
        b       lb_ch
lb_end: pop     lr
        ret

; puts(r2): print the string at r2 (the hypervisor's own output).
puts:   ld      r5, 0(r2)
        beqz    r5, ps_end
        out     r5, 0
        addi    r2, r2, 1
        b       puts
ps_end: ret

t_out:  out     r0, 0                   ; templates: their opcode bytes name the exits
t_in:   in      r0, 0

guests: .word   cb1, 0, name1, buf1
        .word   cb2, 0, name2, buf2
name1:  .string "x86"
name2:  .string "fib"
m_exit: .string "unexpected exit "
digits: .space  12
buf1:   .space  64
buf2:   .space  64

; The control blocks: each guest starts in supervisor mode at guest-physical
; 16, base 0, bound = its partition.
cb1:    .word   1, 16, 0, GSIZE, 0, 0, G1, GSIZE, INTERCEPTS, 0, 0, 0, 0, 0, 0, 0
        .space  16
cb2:    .word   1, 16, 0, GSIZE, 0, 0, G2, GSIZE, INTERCEPTS, 0, 0, 0, 0, 0, 0, 0
        .space  16

; ---------------------------------------------------------------- guest 1
; An x86-variant kernel and its user task. Its addresses are guest-physical:
; a label L is at L - G1 inside the guest.
        .org    G1 + 8
        .word   1, g1_svc - G1, 0, GSIZE        ; its new PSW
        .org    G1 + 16
g1:     gpsw    r1                      ; the guest's own flags: 1, supervisor
        li      r2, g1_m_mode - G1
        call    g1_puts
        out     r1, 2
        li      r3, 10
        out     r3, 0
        getr    r1                      ; the guest's own base: 0
        li      r2, g1_m_base - G1
        call    g1_puts
        out     r1, 2
        out     r3, 0
        li      r3, g1_task_psw - G1
        lpsw    r3                      ; into its user task
g1_svc: mov     r4, r1                  ; the task's svc: r1 = its base, r2 = its flags
        li      r2, g1_m_task - G1
        call    g1_puts
        out     r4, 2
        li      r3, 10
        out     r3, 0
        halt
g1_puts:
        ld      r5, 0(r2)
        beqz    r5, g1_pe
        out     r5, 0
        addi    r2, r2, 1
        b       g1_puts
g1_pe:  ret
g1_task_psw:
        .word   0, 0, 0x800, 64         ; user mode, base 0x800, bound 64
g1_m_mode:
        .string "kernel: gpsw says my flags are "
g1_m_base:
        .string "kernel: getr says my base is "
g1_m_task:
        .string "task: getr says my base is "

        .org    G1 + 0x800
g1_task:
        getr    r1                      ; 2048: the base its own kernel gave it
        svc     0

; ---------------------------------------------------------------- guest 2
; A pg32 guest: the first Fibonacci numbers, one per line.
        .org    G2 + 16
g2:     li      r1, 0
        li      r2, 1
        li      r4, 15                  ; how many
g2_loop:
        li      r5, 'f'
        out     r5, 0
        li      r5, '='
        out     r5, 0
        out     r2, 2
        li      r5, 10
        out     r5, 0
        add     r3, r1, r2
        mov     r1, r2
        mov     r2, r3
        li      r6, 200                 ; some work between lines
g2_spin:
        addi    r6, r6, -1
        bnez    r6, g2_spin
        addi    r4, r4, -1
        bnez    r4, g2_loop
        halt
