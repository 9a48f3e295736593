; arith.s — PG32 arithmetic, including the edge cases programs may rely on.
;
; Shows:
;   - register ALU (add sub mul div rem and or xor shl shr sra slt sltu)
;   - immediate ALU (addi andi ori xori shli shri srai slti lui) and li
;   - 32-bit two's complement wrapping (overflow is silent)
;   - div/rem are signed and truncate toward zero; rem has the sign of the
;     dividend; INT_MIN / -1 = INT_MIN and INT_MIN rem -1 = 0 (no trap)
;   - shift counts use only the low 5 bits (1 shl 33 = 2)
;   - logical immediates are zero-extended (-1 andi 0xFFFF = 65535)
;   - out to port 2: prints a register as a signed decimal (no newline)
;   - a small subroutine (call/ret) that takes its arguments in registers
;
; Division by zero is not here: it raises an ARITH trap (see traps.s).

start:
        li      r4, 7
        li      r5, 5
        add     r2, r4, r5
        la      r1, s_add
        call    show                    ; 7 + 5 = 12

        li      r5, 12
        sub     r2, r4, r5
        la      r1, s_sub
        call    show                    ; 7 - 12 = -5

        li      r4, 6
        li      r5, 7
        mul     r2, r4, r5
        la      r1, s_mul
        call    show                    ; 6 * 7 = 42

        li      r4, 100000
        mul     r2, r4, r4
        la      r1, s_mulw
        call    show                    ; 10^10 mod 2^32 = 1410065408

        li      r4, 0x7FFFFFFF
        addi    r2, r4, 1
        la      r1, s_addw
        call    show                    ; INT_MAX + 1 wraps to INT_MIN

        li      r4, -7
        li      r5, 2
        div     r2, r4, r5
        la      r1, s_div1
        call    show                    ; -7 / 2 = -3 (truncates toward 0)
        rem     r2, r4, r5
        la      r1, s_rem1
        call    show                    ; -7 rem 2 = -1 (sign of dividend)

        li      r4, 7
        li      r5, -2
        div     r2, r4, r5
        la      r1, s_div2
        call    show                    ; 7 / -2 = -3
        rem     r2, r4, r5
        la      r1, s_rem2
        call    show                    ; 7 rem -2 = 1

        li      r4, 0x80000000          ; INT_MIN (li takes the value mod 2^32)
        li      r5, -1
        div     r2, r4, r5
        la      r1, s_div3
        call    show                    ; INT_MIN / -1 = INT_MIN
        rem     r2, r4, r5
        la      r1, s_rem3
        call    show                    ; INT_MIN rem -1 = 0

        li      r4, 0b1100
        li      r5, 0b1010
        and     r2, r4, r5
        la      r1, s_and
        call    show                    ; 8
        or      r2, r4, r5
        la      r1, s_or
        call    show                    ; 14
        xor     r2, r4, r5
        la      r1, s_xor
        call    show                    ; 6

        li      r4, -16
        srai    r2, r4, 2
        la      r1, s_sra
        call    show                    ; -16 sra 2 = -4 (sign fills)
        shri    r2, r4, 28
        la      r1, s_shr
        call    show                    ; 0xFFFFFFF0 shr 28 = 15 (zero fills)
        li      r4, 1
        li      r5, 33
        shl     r2, r4, r5
        la      r1, s_shl
        call    show                    ; 1 shl 33 = 2 (count mod 32)

        li      r4, -1
        li      r5, 1
        slt     r2, r4, r5
        la      r1, s_slt
        call    show                    ; -1 < 1 signed: 1
        sltu    r2, r4, r5
        la      r1, s_sltu
        call    show                    ; 0xFFFFFFFF < 1 unsigned: 0

        andi    r2, r4, 0xFFFF
        la      r1, s_andi
        call    show                    ; zero-extended immediate: 65535
        lui     r2, 0x1234
        la      r1, s_lui
        call    show                    ; 0x12340000 = 305397760
        not     r2, r0
        la      r1, s_not
        call    show                    ; not 0 = -1
        li      r4, 42
        neg     r2, r4
        la      r1, s_neg
        call    show                    ; -42
        halt

; show: print the string at r1, then " = ", then r2 in decimal, then a newline.
; Uses r3. Leaf routine: returns with ret (jr lr).
show:
        ld      r3, 0(r1)
        beqz    r3, show_val
        out     r3, 0
        addi    r1, r1, 1
        b       show
show_val:
        li      r3, ' '
        out     r3, 0
        li      r3, '='
        out     r3, 0
        li      r3, ' '
        out     r3, 0
        out     r2, 2                   ; port 2: signed decimal
        li      r3, '\n'
        out     r3, 0
        ret

s_add:  .string "7 + 5"
s_sub:  .string "7 - 12"
s_mul:  .string "6 * 7"
s_mulw: .string "100000 * 100000 (wraps)"
s_addw: .string "0x7FFFFFFF + 1 (wraps)"
s_div1: .string "-7 / 2"
s_rem1: .string "-7 rem 2"
s_div2: .string "7 / -2"
s_rem2: .string "7 rem -2"
s_div3: .string "INT_MIN / -1"
s_rem3: .string "INT_MIN rem -1"
s_and:  .string "0b1100 and 0b1010"
s_or:   .string "0b1100 or 0b1010"
s_xor:  .string "0b1100 xor 0b1010"
s_sra:  .string "-16 sra 2"
s_shr:  .string "-16 shr 28"
s_shl:  .string "1 shl 33"
s_slt:  .string "-1 slt 1"
s_sltu: .string "-1 sltu 1"
s_andi: .string "-1 andi 0xFFFF"
s_lui:  .string "lui 0x1234"
s_not:  .string "not 0"
s_neg:  .string "neg 42"
