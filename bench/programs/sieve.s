; sieve.s — the sieve of Eratosthenes below LIMIT, one word per number,
; then a count of the primes; REPS times, clearing the array first.
; Result: r2 = the number of primes below LIMIT.

        .equ    LIMIT, 300000
        .equ    REPS, 8

start:
        la      r10, crossed    ; r10 = &crossed[0]
        li      r11, LIMIT
        li      r14, REPS
again:
        mov     r1, r10
        add     r3, r10, r11
clear:
        st      r0, 0(r1)
        addi    r1, r1, 1
        bne     r1, r3, clear
        li      r4, 1
        li      r1, 2           ; i = 2
outer:
        mul     r2, r1, r1      ; j = i * i
        bge     r2, r11, count
        add     r3, r10, r1
        ld      r3, 0(r3)       ; crossed[i] ?
        bnez    r3, next_i      ; composite: its multiples are crossed already
inner:
        add     r3, r10, r2
        st      r4, 0(r3)       ; crossed[j] = 1
        add     r2, r2, r1      ; j += i
        blt     r2, r11, inner
next_i:
        addi    r1, r1, 1
        b       outer

count:
        li      r1, 2           ; i = 2
        li      r2, 0           ; primes
scan:
        add     r3, r10, r1
        ld      r3, 0(r3)
        bnez    r3, skip
        addi    r2, r2, 1
skip:
        addi    r1, r1, 1
        blt     r1, r11, scan
        addi    r14, r14, -1
        bnez    r14, again
        halt

crossed: .space LIMIT
