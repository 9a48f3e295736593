; memcpy.s — fill src[0..N) with a hash of the index, copy it to dst REPS
; times (a word-at-a-time loop: ld, st, two pointer bumps, a branch), then
; sum dst. Result: r2 = the sum of dst mod 2^32; dst is checked too.

        .equ    N, 65536
        .equ    REPS, 64

start:
        la      r10, src
        la      r11, dst
        li      r12, N
        li      r6, 0x9E3779B1  ; Knuth's multiplicative hash
        li      r1, 0
fill:
        mul     r2, r1, r6
        add     r3, r10, r1
        st      r2, 0(r3)
        addi    r1, r1, 1
        blt     r1, r12, fill

        li      r7, REPS
        add     r9, r10, r12    ; end of src
copy:
        mov     r1, r10
        mov     r2, r11
cloop:
        ld      r4, 0(r1)
        st      r4, 0(r2)
        addi    r1, r1, 1
        addi    r2, r2, 1
        bne     r1, r9, cloop
        addi    r7, r7, -1
        bnez    r7, copy

        li      r2, 0           ; sum of dst
        mov     r1, r11
        add     r9, r11, r12
sum:
        ld      r4, 0(r1)
        add     r2, r2, r4
        addi    r1, r1, 1
        bne     r1, r9, sum
        halt

src:    .space  N
dst:    .space  N
