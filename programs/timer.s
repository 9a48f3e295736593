; timer.s — the interval timer and the timer interrupt.
;
; Shows:
;   - a new PSW placed in the image itself: `.org 8` puts words at physical
;     8..11, so the handler is installed before the first instruction runs
;   - turning interrupts on: there is no "enable" instruction; a program
;     sets IE (flags bit 1) by loading a whole PSW with lpsw
;   - stimer: TIMER counts down one per completed instruction (stimer itself
;     is not counted); at 0 a TIMER trap is taken before the next
;     instruction, once IE = 1. The saved pc is the next instruction.
;   - a handler that re-arms the timer and returns with `lpsw r0` (the old
;     PSW at 0..3 still has IE = 1), without disturbing the interrupted
;     loop's register r1
;
; Counting it out (quantum 100, the loop is two instructions, addi and b):
;   first slice: lpsw + 99 loop instructions, starting at the addi
;                = 50 addi; it stops after an addi, so the saved pc is the b
;   every later slice: the handler's last ld and lpsw r0 + 98 loop
;                instructions starting at that b = 49 more addi, and again
;                the saved pc is the b
; So the counts are 50, 99, 148, 197, 246. Deterministic: the timer counts
; instructions (in either mode), not time.

        .equ    QUANTUM, 100
        .equ    TICKS, 5

        .org    8                       ; the new PSW, loaded by every trap:
        .word   1, tick, 0, 0x100000    ; S (IE off), pc = tick, base 0, bound 1M

        .org    16
start:
        li      r2, QUANTUM
        la      r3, run_psw
        stimer  r2                      ; TIMER = 100 (this instruction is not counted)
        lpsw    r3                      ; counted: 1 of the 100. Now IE = 1.
count:
        addi    r1, r1, 1               ; the "work": r1 counts loop iterations
        b       count

; tick: the timer handler (supervisor mode, IE off: it cannot be interrupted).
tick:
        st      r2, save+0(r0)          ; save what we use; r1 belongs to the loop
        st      r3, save+1(r0)
        st      r4, save+2(r0)
        st      lr, save+3(r0)

        ld      r2, ticks(r0)
        addi    r2, r2, 1
        st      r2, ticks(r0)
        la      r3, s_tick              ; "tick N: count = R1"
        call    puts
        out     r2, 2
        la      r3, s_count
        call    puts
        out     r1, 2
        li      r4, '\n'
        out     r4, 0

        li      r3, TICKS
        beq     r2, r3, finished

        ld      r3, save+1(r0)
        ld      r4, save+2(r0)
        ld      lr, save+3(r0)
        li      r2, QUANTUM
        stimer  r2                      ; re-arm (not counted) ...
        ld      r2, save+0(r0)          ; ... so this ld is the first of the 100
        lpsw    r0                      ; resume the loop: old PSW, IE = 1
finished:
        halt

; puts: print the string at r3. Clobbers r3, r4.
puts:
        ld      r4, 0(r3)
        beqz    r4, puts_end
        out     r4, 0
        addi    r3, r3, 1
        b       puts
puts_end:
        ret

run_psw: .word  3, count, 0, 0x100000   ; S + IE, pc = count, base 0
ticks:   .word  0
save:    .space 4
s_tick:  .string "tick "
s_count: .string ": count = "
