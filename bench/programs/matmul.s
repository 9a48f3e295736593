; matmul.s — C = A x B for N x N matrices of 32-bit integers (row-major),
; A[i][j] = i - j and B[i][j] = i + 2j, filled by the program. The inner
; loop is a dot product: two loads, mul, add, two pointer bumps, a branch.
; The whole program runs REPS times (a count kept in storage: every
; register is in use). Result: r2 = the sum of C mod 2^32; C is checked too.

        .equ    N, 96
        .equ    REPS, 5

start:
        la      r10, mat_a
        la      r11, mat_b
        la      r12, mat_c
        li      r13, N
        ; fill A and B
        li      r1, 0           ; i
        mov     r5, r10         ; &A[i][j]
        mov     r6, r11         ; &B[i][j]
fill_i:
        li      r2, 0           ; j
fill_j:
        sub     r3, r1, r2
        st      r3, 0(r5)       ; A[i][j] = i - j
        add     r3, r1, r2
        add     r3, r3, r2
        st      r3, 0(r6)       ; B[i][j] = i + 2j
        addi    r5, r5, 1
        addi    r6, r6, 1
        addi    r2, r2, 1
        blt     r2, r13, fill_j
        addi    r1, r1, 1
        blt     r1, r13, fill_i

        ; C[i][j] = sum over k of A[i][k] * B[k][j]
        li      r2, 0           ; sum of C
        mov     r14, r12        ; &C[i][j]
        mul     r4, r13, r13
        add     r4, r10, r4     ; end of A
        mov     r1, r10         ; &A[i][0]
mul_i:
        add     r15, r1, r13    ; end of row i of A
        li      r3, 0           ; j
mul_j:
        mov     r5, r1          ; &A[i][k]
        add     r6, r11, r3     ; &B[k][j]
        li      r9, 0           ; dot
dot:
        ld      r7, 0(r5)
        ld      r8, 0(r6)
        mul     r7, r7, r8
        add     r9, r9, r7
        addi    r5, r5, 1
        add     r6, r6, r13
        bne     r5, r15, dot
        st      r9, 0(r14)
        add     r2, r2, r9
        addi    r14, r14, 1
        addi    r3, r3, 1
        blt     r3, r13, mul_j
        mov     r1, r15         ; next row of A
        bne     r1, r4, mul_i
        la      r1, reps
        ld      r3, 0(r1)
        addi    r3, r3, -1
        st      r3, 0(r1)
        bnez    r3, start
        halt

reps:   .word   REPS

mat_a:  .space  N * N
mat_b:  .space  N * N
mat_c:  .space  N * N
