; sort.s — insertion sort of N pseudo-random signed words (an LCG fills the
; array), ascending. Result: the array is checked against the JS sort;
; r2 = the smallest element.

        .equ    N, 5000

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

        li      r1, 1           ; i
outer:
        add     r5, r10, r1     ; p = &a[i]
        ld      r4, 0(r5)       ; key = a[i]
inner:
        beq     r5, r10, place  ; p = &a[0]
        ld      r6, -1(r5)      ; a[p - 1]
        bge     r4, r6, place   ; a[p - 1] <= key: stop
        st      r6, 0(r5)       ; a[p] = a[p - 1]
        addi    r5, r5, -1
        b       inner
place:
        st      r4, 0(r5)
        addi    r1, r1, 1
        blt     r1, r11, outer
        ld      r2, 0(r10)
        halt

data:   .space  N
