; sieve.s — the primes below 100, by the sieve of Eratosthenes.
;
; Shows:
;   - an array in a .space area (storage starts zeroed, so "not crossed out")
;   - indexing: address = base + i (one word per element), via add then ld/st
;   - nested loops with blt/bge and a counter
;
; Output: the primes on one line, then how many there are.

        .equ    LIMIT, 100

start:
        la      r10, crossed    ; r10 = &crossed[0]
        li      r11, LIMIT
        li      r1, 2           ; i = 2
outer:
        mul     r2, r1, r1      ; j = i * i
        bge     r2, r11, collect ; i * i >= LIMIT: done sieving
        add     r3, r10, r1
        ld      r3, 0(r3)       ; crossed[i] ?
        bnez    r3, next_i      ; i is composite: its multiples are done
        li      r4, 1
inner:
        add     r3, r10, r2
        st      r4, 0(r3)       ; crossed[j] = 1
        add     r2, r2, r1      ; j += i
        blt     r2, r11, inner
next_i:
        addi    r1, r1, 1
        b       outer

collect:
        li      r1, 2           ; i = 2
        li      r5, 0           ; count
        li      r6, ' '
scan:
        add     r3, r10, r1
        ld      r3, 0(r3)
        bnez    r3, skip
        beqz    r5, first       ; a space before every prime but the first
        out     r6, 0
first:
        out     r1, 2
        addi    r5, r5, 1
skip:
        addi    r1, r1, 1
        blt     r1, r11, scan

        li      r6, '\n'
        out     r6, 0
        out     r5, 2
        la      r1, tail
puts:
        ld      r2, 0(r1)
        beqz    r2, done
        out     r2, 0
        addi    r1, r1, 1
        b       puts
done:
        halt

tail:    .string " primes below 100\n"
crossed: .space LIMIT           ; crossed[i] = 1 once i is known composite
