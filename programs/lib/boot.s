; boot.s — reading a boot table, and writing one for a guest (isa/BOOT.md).
; .include "../lib/boot.s" in a program that is started with --load.
;
; The loader (trapeze run … --load FILE@ADDR[:SIZE]) leaves the address of
; a table at low-storage word 12: a header (magic, count, storage words,
; entry size) and one 16-word entry per loaded program, in address order:
;   +0 origin      where the program's word 0 is
;   +1 size        the words its image spans (its highest address + 1)
;   +2 start       the address of its entry point
;   +3 partition   the words of storage that are its own, from origin
;   +4..+15 name   up to 11 characters, one per word, then 0
; A program whose origin lies inside another's partition is that one's
; guest (it was loaded as FILE@ADDR:SIZE); a monitor that starts a guest
; hands it a table of its own guests, written by boot_nest below, at the
; top of its partition: the same rules, one level down.
;
; Routines: arguments in r1, r2; result in r1; r1..r7 clobbered; r8..r13
; preserved; sp must point at a stack (4 words).

        .equ    BT_MAGIC, 0x50474254    ; 'PGBT'
        .equ    BT_POINTER, 12          ; low-storage word with the table's address
        .equ    BT_COUNT, 1             ; header words
        .equ    BT_MEM, 2
        .equ    BT_ESIZE, 3
        .equ    BT_FIRST, 4             ; the first entry
        .equ    BT_ENTRY, 16            ; words per entry
        .equ    BE_ORIGIN, 0            ; entry words
        .equ    BE_SIZE, 1
        .equ    BE_START, 2
        .equ    BE_PART, 3
        .equ    BE_NAME, 4

; boot_table: r1 <- the address of this program's boot table, or 0 if it
; was started without one (nothing loaded beside it).
boot_table:
        ld      r1, BT_POINTER(r0)
        beqz    r1, boot_table_end
        ld      r2, 0(r1)
        li      r3, BT_MAGIC
        beq     r2, r3, boot_table_end
        li      r1, 0                   ; a word 12 that is not ours: no table
boot_table_end:
        ret

; boot_inside: r1 = entry i, r2 = entry j. r1 <- 1 if j lies inside i's
; partition (its origin after i's and before i's end), else 0.
boot_inside:
        ld      r3, BE_ORIGIN(r1)
        ld      r4, BE_ORIGIN(r2)
        bgeu    r3, r4, boot_inside_no
        ld      r5, BE_PART(r1)
        add     r5, r3, r5
        bgeu    r4, r5, boot_inside_no
        li      r1, 1
        ret
boot_inside_no:
        li      r1, 0
        ret

; boot_top: r1 = table, r2 = an entry. r1 <- 1 if it is a program of this
; level (no other entry's partition holds it), 0 if it belongs to a guest.
boot_top:
        push    lr
        push    r8
        push    r9
        push    r10
        mov     r8, r2
        ld      r9, BT_COUNT(r1)
        addi    r10, r1, BT_FIRST
boot_top_loop:
        beqz    r9, boot_top_yes
        mov     r1, r10
        mov     r2, r8
        call    boot_inside
        bnez    r1, boot_top_no
        addi    r10, r10, BT_ENTRY
        addi    r9, r9, -1
        b       boot_top_loop
boot_top_yes:
        li      r1, 1
        b       boot_top_end
boot_top_no:
        li      r1, 0
boot_top_end:
        pop     r10
        pop     r9
        pop     r8
        pop     lr
        ret

; boot_nest: r1 = table, r2 = the entry of a guest about to be started.
; Writes the table of the programs inside its partition at the top of that
; partition, with addresses as the guest sees them (from its own word 0),
; and puts its address in the guest's word 12. Nothing is written for a
; guest that holds no programs (its storage stays as loaded). r1 <- how
; many entries the guest's table has.
boot_nest:
        push    lr
        push    r8
        push    r9
        push    r10
        push    r11
        push    r12
        mov     r8, r1                  ; the table
        mov     r9, r2                  ; the guest's entry
        li      r12, 0                  ; pass 1: count the programs inside
        ld      r10, BT_COUNT(r8)
        addi    r11, r8, BT_FIRST
boot_nest_count:
        beqz    r10, boot_nest_write
        mov     r1, r9
        mov     r2, r11
        call    boot_inside
        add     r12, r12, r1
        addi    r11, r11, BT_ENTRY
        addi    r10, r10, -1
        b       boot_nest_count
boot_nest_write:
        beqz    r12, boot_nest_end
        ld      r1, BE_ORIGIN(r9)       ; the guest's word 0
        ld      r2, BE_PART(r9)
        li      r3, BT_ENTRY
        mul     r3, r3, r12
        addi    r3, r3, BT_FIRST
        sub     r2, r2, r3              ; table at partition - its size (guest address)
        st      r2, BT_POINTER(r1)      ; the guest's word 12
        add     r11, r1, r2             ; the table, in our addresses
        li      r3, BT_MAGIC
        st      r3, 0(r11)
        st      r12, BT_COUNT(r11)
        ld      r3, BE_PART(r9)
        st      r3, BT_MEM(r11)         ; the guest's storage is its partition
        li      r3, BT_ENTRY
        st      r3, BT_ESIZE(r11)
        addi    r11, r11, BT_FIRST      ; pass 2: copy the entries inside, rebased
        ld      r10, BT_COUNT(r8)
        addi    r8, r8, BT_FIRST
boot_nest_copy:
        beqz    r10, boot_nest_end
        mov     r1, r9
        mov     r2, r8
        call    boot_inside
        beqz    r1, boot_nest_next
        li      r4, 0                   ; copy the 16 words
boot_nest_word:
        add     r5, r8, r4
        ld      r5, 0(r5)
        add     r6, r11, r4
        st      r5, 0(r6)
        addi    r4, r4, 1
        slti    r5, r4, BT_ENTRY
        bnez    r5, boot_nest_word
        ld      r3, BE_ORIGIN(r9)       ; origin and start, from the guest's word 0
        ld      r4, BE_ORIGIN(r11)
        sub     r4, r4, r3
        st      r4, BE_ORIGIN(r11)
        ld      r4, BE_START(r11)
        sub     r4, r4, r3
        st      r4, BE_START(r11)
        addi    r11, r11, BT_ENTRY
boot_nest_next:
        addi    r8, r8, BT_ENTRY
        addi    r10, r10, -1
        b       boot_nest_copy
boot_nest_end:
        mov     r1, r12
        pop     r12
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     lr
        ret
