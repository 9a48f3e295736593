; itoa.s — numbers to text, for programs that print (.include "../lib/itoa.s").
;
; Routines (call with `call`; arguments in r1, r2; the result in r1):
;   itoa    r1 = a signed 32-bit value, r2 = where to write: its decimal
;           digits (a '-' first if negative), one character per word, then
;           a 0 word. Returns r1 = the address of that 0 (so calls chain).
;   htoa    the same for "0x" and 8 hexadecimal digits (lowercase).
; Both clobber r1..r5 only; no stack.
;
; itoa works on the negative of the value, so that -2147483648 (whose
; positive does not fit in 32 bits) needs no special case: the digits of a
; negative n are -(n rem 10), produced least significant first, so it
; writes them backwards from the far end of the number, which it finds by
; counting digits first.

itoa:
        blt     r1, r0, itoa_neg
        sub     r1, r0, r1              ; n <= 0 from here on
        b       itoa_count
itoa_neg:
        li      r3, '-'
        st      r3, 0(r2)
        addi    r2, r2, 1
itoa_count:                             ; r2 += the number of digits
        mov     r3, r1
        li      r4, 10
itoa_len:
        addi    r2, r2, 1
        div     r3, r3, r4
        bnez    r3, itoa_len
        st      r0, 0(r2)               ; the terminating 0
        mov     r5, r2                  ; the result
itoa_digit:                             ; least significant first, right to left
        addi    r2, r2, -1
        rem     r3, r1, r4              ; -9..0
        sub     r3, r0, r3
        addi    r3, r3, '0'
        st      r3, 0(r2)
        div     r1, r1, r4
        bnez    r1, itoa_digit
        mov     r1, r5
        ret

htoa:
        li      r3, '0'
        st      r3, 0(r2)
        li      r3, 'x'
        st      r3, 1(r2)
        addi    r2, r2, 2
        li      r4, 28                  ; shift for the top nibble
htoa_loop:
        shr     r3, r1, r4
        andi    r3, r3, 0xF
        slti    r5, r3, 10
        beqz    r5, htoa_letter
        addi    r3, r3, '0'
        b       htoa_put
htoa_letter:
        addi    r3, r3, 'a' - 10
htoa_put:
        st      r3, 0(r2)
        addi    r2, r2, 1
        addi    r4, r4, -4
        bge     r4, r0, htoa_loop
        st      r0, 0(r2)
        mov     r1, r2
        ret
