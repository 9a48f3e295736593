; state.s — a branchy state machine, as in CoreMark's core_state: an LCG
; fills N words with characters from "0159.e-," and the machine reads them
; REPS times, recognizing numbers (sign, digits, fraction, exponent).
; Every ',' ends a token and counts the state it ended in. Each character
; costs a chain of compares and branches: no jump table.
;
; States: 0 start, 1 integer, 2 fraction, 3 exponent mark, 4 exponent, 5 invalid.
; Result: r2 = sum over states s of count[s] * (2s + 1), mod 2^32.

        .equ    N, 20000
        .equ    REPS, 100

start:
        la      r10, text
        li      r11, N
        la      r12, chars
        li      r6, 1103515245
        li      r2, 12345       ; x
        li      r1, 0
fill:
        mul     r2, r2, r6
        addi    r2, r2, 12345   ; x = x * 1103515245 + 12345
        shri    r3, r2, 16
        andi    r3, r3, 7
        add     r3, r12, r3
        ld      r3, 0(r3)       ; chars[(x >> 16) & 7]
        add     r4, r10, r1
        st      r3, 0(r4)
        addi    r1, r1, 1
        blt     r1, r11, fill

        la      r9, counts
        li      r13, 10         ; digits are c - '0' < 10 (unsigned)
        li      r14, REPS
pass:
        mov     r1, r10         ; p
        add     r8, r10, r11    ; end
        li      r3, 0           ; state = start
scan:
        ld      r5, 0(r1)       ; c
        addi    r1, r1, 1
        addi    r7, r5, -','
        beqz    r7, comma
        addi    r7, r5, -'0'
        sltu    r7, r7, r13     ; r7 = c is a digit
        beqz    r3, s_start
        addi    r6, r3, -1
        beqz    r6, s_int
        addi    r6, r3, -2
        beqz    r6, s_frac
        addi    r6, r3, -3
        beqz    r6, s_mark
        addi    r6, r3, -4
        beqz    r6, s_exp
        b       next            ; invalid stays invalid
s_start:
        bnez    r7, to_int
        addi    r6, r5, -'-'
        beqz    r6, to_int
        addi    r6, r5, -'.'
        beqz    r6, to_frac
        b       to_bad
s_int:
        bnez    r7, next
        addi    r6, r5, -'.'
        beqz    r6, to_frac
        addi    r6, r5, -'e'
        beqz    r6, to_mark
        b       to_bad
s_frac:
        bnez    r7, next
        addi    r6, r5, -'e'
        beqz    r6, to_mark
        b       to_bad
s_mark:
        bnez    r7, to_exp
        addi    r6, r5, -'-'
        beqz    r6, to_exp
        b       to_bad
s_exp:
        bnez    r7, next
        b       to_bad
to_int:
        li      r3, 1
        b       next
to_frac:
        li      r3, 2
        b       next
to_mark:
        li      r3, 3
        b       next
to_exp:
        li      r3, 4
        b       next
to_bad:
        li      r3, 5
        b       next
comma:
        add     r6, r9, r3
        ld      r7, 0(r6)
        addi    r7, r7, 1
        st      r7, 0(r6)       ; counts[state]++
        li      r3, 0
next:
        bne     r1, r8, scan
        addi    r14, r14, -1
        bnez    r14, pass

        li      r2, 0
        li      r1, 0
        li      r4, 6
sum:
        add     r6, r9, r1
        ld      r7, 0(r6)
        shli    r5, r1, 1
        addi    r5, r5, 1
        mul     r7, r7, r5
        add     r2, r2, r7
        addi    r1, r1, 1
        bne     r1, r4, sum
        halt

chars:  .word   '0', '1', '5', '9', '.', 'e', '-', ','
counts: .space  6
text:   .space  N
