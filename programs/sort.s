; sort.s — insertion sort of a .word array, printed before and after.
;
; Shows:
;   - initialised data with .word (negative numbers and duplicates too)
;   - .equ computed from labels, including labels defined later in the file
;     (COUNT = array_end - array)
;   - subroutines with arguments in registers (print: r1 = address,
;     r2 = count); they are leaves (they call nothing), so lr needs no saving
;     and no stack is set up
;   - indexed loads and stores with an offset: st r5, 1(r3) is a[j+1]
;   - signed comparison with blt/bge

        .equ    COUNT, array_end - array

start:
        la      r1, before
        call    puts
        la      r1, array
        li      r2, COUNT
        call    print

        ; insertion sort: for i = 1 .. COUNT-1, sink a[i] into a[0..i-1]
        la      r10, array      ; r10 = &a[0]
        li      r11, COUNT
        li      r1, 1           ; i
sort_outer:
        bge     r1, r11, sorted
        add     r3, r10, r1
        ld      r4, 0(r3)       ; key = a[i]
        addi    r2, r1, -1      ; j = i - 1
sort_inner:
        blt     r2, r0, place   ; j < 0: key goes to a[0]
        add     r3, r10, r2
        ld      r5, 0(r3)       ; a[j]
        bge     r4, r5, place   ; a[j] <= key: stop (keeps the sort stable)
        st      r5, 1(r3)       ; a[j+1] = a[j]
        addi    r2, r2, -1
        b       sort_inner
place:
        add     r3, r10, r2
        st      r4, 1(r3)       ; a[j+1] = key
        addi    r1, r1, 1
        b       sort_outer

sorted:
        la      r1, after
        call    puts
        la      r1, array
        li      r2, COUNT
        call    print
        halt

; print: r1 = address of the first word, r2 = count (> 0).
; Prints the words in decimal separated by spaces, then a newline.
; Clobbers r1..r4.
print:
        li      r4, ' '
print_loop:
        ld      r3, 0(r1)
        out     r3, 2
        addi    r1, r1, 1
        addi    r2, r2, -1
        beqz    r2, print_end
        out     r4, 0
        b       print_loop
print_end:
        li      r4, '\n'
        out     r4, 0
        ret

; puts: print the 0-terminated string at r1. Clobbers r1, r3.
puts:
        ld      r3, 0(r1)
        beqz    r3, puts_end
        out     r3, 0
        addi    r1, r1, 1
        b       puts
puts_end:
        ret

before: .string "before: "
after:  .string "after:  "
array:  .word   42, -7, 19, 0, 3, 100, -7, 55
        .word   8, -1000, 23, 1
array_end:
