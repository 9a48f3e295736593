; strings.s — string routines on .string data (one character per word).
;
; Shows:
;   - strlen, strcpy, upper (in place), reverse (in place), strcmp, puts
;   - a calling convention: arguments in r1, r2; result in r1; a routine
;     may clobber r1..r7; r8..r13 belong to the caller
;   - non-leaf routines (reverse calls strlen, cmp_line calls puts) saving
;     lr and the values they still need with push/pop
;   - a scratch buffer in .space and character arithmetic ('a' - 'A')

start:
        la      sp, stack_top

        la      r1, s_text              ; text: Hello, PG32!
        call    puts
        la      r1, text
        call    puts
        call    newline

        la      r1, s_len               ; strlen: 12
        call    puts
        la      r1, text
        call    strlen
        out     r1, 2
        call    newline

        la      r1, buf                 ; upper: HELLO, PG32!
        la      r2, text
        call    strcpy
        la      r1, buf
        call    upper
        la      r1, s_upper
        call    puts
        la      r1, buf
        call    puts
        call    newline

        la      r1, buf                 ; reverse: !23GP ,olleH
        la      r2, text
        call    strcpy
        la      r1, buf
        call    reverse
        la      r1, s_rev
        call    puts
        la      r1, buf
        call    puts
        call    newline

        la      r1, w_apple             ; compare apple apricot: -1
        la      r2, w_apricot
        call    cmp_line
        la      r1, w_apple             ; compare apple apple: 0
        la      r2, w_apple
        call    cmp_line
        la      r1, w_pear              ; compare pear peach: 1
        la      r2, w_peach
        call    cmp_line
        la      r1, w_app               ; compare app apple: -1 (a prefix is smaller)
        la      r2, w_apple
        call    cmp_line
        halt

; strlen: r1 = length of the string at r1.
strlen:
        mov     r2, r1
strlen_loop:
        ld      r3, 0(r2)
        beqz    r3, strlen_end
        addi    r2, r2, 1
        b       strlen_loop
strlen_end:
        sub     r1, r2, r1
        ret

; strcpy: copy the string at r2 (with its 0) to r1.
strcpy:
        ld      r3, 0(r2)
        st      r3, 0(r1)
        addi    r1, r1, 1
        addi    r2, r2, 1
        bnez    r3, strcpy
        ret

; upper: turn 'a'..'z' into 'A'..'Z' in the string at r1, in place.
upper:
        li      r4, 'a'
        li      r5, 'z' + 1
upper_loop:
        ld      r3, 0(r1)
        beqz    r3, upper_end
        blt     r3, r4, upper_next
        bge     r3, r5, upper_next
        addi    r3, r3, 'A' - 'a'
        st      r3, 0(r1)
upper_next:
        addi    r1, r1, 1
        b       upper_loop
upper_end:
        ret

; reverse: reverse the string at r1 in place. Calls strlen, so it saves lr.
reverse:
        push    lr
        push    r1
        call    strlen                  ; r1 = length
        pop     r2                      ; r2 = &s[0] (i)
        add     r3, r2, r1
        addi    r3, r3, -1              ; r3 = &s[len-1] (j)
reverse_loop:
        bge     r2, r3, reverse_end     ; pointers met: done
        ld      r4, 0(r2)
        ld      r5, 0(r3)
        st      r5, 0(r2)
        st      r4, 0(r3)
        addi    r2, r2, 1
        addi    r3, r3, -1
        b       reverse_loop
reverse_end:
        pop     lr
        ret

; strcmp: r1 = -1, 0 or 1 as the string at r1 is less than, equal to or
; greater than the string at r2 (by character codes; a prefix is smaller).
strcmp:
        ld      r3, 0(r1)
        ld      r4, 0(r2)
        bne     r3, r4, strcmp_diff
        beqz    r3, strcmp_equal        ; both ended together
        addi    r1, r1, 1
        addi    r2, r2, 1
        b       strcmp
strcmp_diff:
        slt     r5, r4, r3              ; 1 if s1 > s2
        slt     r6, r3, r4              ; 1 if s1 < s2
        sub     r1, r5, r6
        ret
strcmp_equal:
        li      r1, 0
        ret

; cmp_line: print "compare A B: result" for the strings at r1 and r2.
cmp_line:
        push    lr
        push    r2
        push    r1
        la      r1, s_cmp
        call    puts
        ld      r1, 0(sp)               ; A (still on the stack)
        call    puts
        li      r3, ' '
        out     r3, 0
        ld      r1, 1(sp)               ; B
        call    puts
        li      r3, ':'
        out     r3, 0
        li      r3, ' '
        out     r3, 0
        pop     r1
        pop     r2
        call    strcmp
        out     r1, 2
        call    newline
        pop     lr
        ret

; puts: print the string at r1. Clobbers r1, r3.
puts:
        ld      r3, 0(r1)
        beqz    r3, puts_end
        out     r3, 0
        addi    r1, r1, 1
        b       puts
puts_end:
        ret

; newline: print '\n'. Clobbers r3.
newline:
        li      r3, '\n'
        out     r3, 0
        ret

text:      .string "Hello, PG32!"
s_text:    .string "text: "
s_len:     .string "strlen: "
s_upper:   .string "upper: "
s_rev:     .string "reverse: "
s_cmp:     .string "compare "
w_apple:   .string "apple"
w_apricot: .string "apricot"
w_pear:    .string "pear"
w_peach:   .string "peach"
w_app:     .string "app"
buf:       .space  32
stack:     .space  32
stack_top:
