; count.s — the counting loop: N iterations of addi + bne.
; Instructions: 2 (li) + 2N (loop) + 1 (halt). Result: r1 = 0, r2 = N.

        .equ    N, 25000000

start:
        li      r1, N
loop:
        addi    r1, r1, -1
        bne     r1, r0, loop
        li      r2, N
        halt
