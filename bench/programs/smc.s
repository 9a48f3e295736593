; smc.s — self-modifying code in a hot loop: every iteration rewrites the
; immediate of an instruction two words ahead (patch: addi r2, r2, K with
; K = i mod 256), then runs it. A CPU that caches translated code must see
; every new word; one that re-translated the loop on every write would
; crawl. Result: r2 = the sum over i = N .. 1 of (i mod 256), mod 2^32.

        .equ    N, 3000000

start:
        li      r1, N           ; i
        la      r4, patch
        ld      r7, 0(r4)       ; the word of "addi r2, r2, 0"
        li      r2, 0
loop:
        andi    r5, r1, 255
        or      r6, r7, r5      ; addi r2, r2, i mod 256
        st      r6, 0(r4)       ; rewrite patch
        nop
patch:  addi    r2, r2, 0
        addi    r1, r1, -1
        bnez    r1, loop
        halt
