; bubble.s — bubble sort of N pseudo-random signed words (an LCG fills the
; array), ascending, stopping after a pass that swaps nothing. Prints a
; checksum of the sorted array (h = h * 31 + a[i]). Twin: bubble.js.
; Held out: not one of the tuned kernels (bench/kernels.ts); the `cli`
; suite runs it through the command as a user would.

        .equ    N, 7000

start:
        la      r10, data
        li      r11, N
        li      r6, 1103515245
        li      r2, 12345       ; x
        li      r1, 0
fill:
        mul     r2, r2, r6
        addi    r2, r2, 12345   ; x = x * 1103515245 + 12345
        add     r3, r10, r1
        st      r2, 0(r3)
        addi    r1, r1, 1
        blt     r1, r11, fill

        addi    r12, r11, -1    ; end: the last index this pass compares
outer:
        li      r7, 0           ; swapped
        mov     r5, r10         ; p
        add     r13, r10, r12   ; stop
inner:
        ld      r3, 0(r5)
        ld      r4, 1(r5)
        bge     r4, r3, inorder
        st      r4, 0(r5)
        st      r3, 1(r5)
        li      r7, 1
inorder:
        addi    r5, r5, 1
        blt     r5, r13, inner
        beqz    r7, sorted
        addi    r12, r12, -1
        blt     r0, r12, outer

sorted:
        li      r2, 0
        li      r1, 0
        li      r6, 31
sum:
        add     r3, r10, r1
        ld      r4, 0(r3)
        mul     r2, r2, r6
        add     r2, r2, r4
        addi    r1, r1, 1
        blt     r1, r11, sum
        out     r2, 2
        li      r1, 10
        out     r1, 0
        halt

data:   .space  N
