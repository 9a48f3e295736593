; relocation.s — running the same code at two physical places under base/bound.
;
; Shows:
;   - relocation (ISA.md "Relocation"): in every mode, virtual address a
;     means physical base + a, and a >= bound is a MEMORY trap
;   - position-independent code: branch and jump targets are pc-relative, so
;     a block of code can be copied anywhere and run there unchanged; its
;     absolute (data) addresses are written relative to its own start,
;     e.g. `g_id - guest`
;   - a supervisor that copies a guest into two partitions, patches one data
;     word in each copy, and starts each with lpsw (user mode, base =
;     partition, bound = guest size)
;   - system calls: the guest cannot use `out` (privileged in user mode), so
;     it asks with svc; for "print string" the handler translates the guest's
;     virtual address itself: physical = old base + virtual, checked < bound
;   - a MEMORY trap from a guest that reaches past its bound: info is the
;     virtual address; the supervisor ends that guest and goes on
;
; SVCs: 1 putc (r1), 2 puts (r1 = virtual address), 3 putnum (r1)

        .equ    PART1, 0x2000           ; physical start of partition 1 (8192)
        .equ    PART2, 0x3000           ; physical start of partition 2 (12288)
        .equ    GSIZE, guest_end - guest
        .equ    CAUSE, 4
        .equ    INFO, 5
        .equ    SVC, 4

        .org    8
        .word   1, handler, 0, 0x100000 ; new PSW: supervisor, base 0

        .org    16
start:
        la      sp, stack_top
        li      r1, PART1
        li      r2, 1
        call    run_guest
        li      r1, PART2
        li      r2, 2
        call    run_guest
        halt

; run_guest: copy the guest to physical r1, give it id r2, run it until it
; ends (by a fault), then show a word it left in its partition.
run_guest:
        push    lr
        push    r1
        la      r3, guest               ; copy GSIZE words from guest to r1
        li      r4, GSIZE
copy:
        ld      r5, 0(r3)
        st      r5, 0(r1)
        addi    r3, r3, 1
        addi    r1, r1, 1
        addi    r4, r4, -1
        bnez    r4, copy
        ld      r1, 0(sp)               ; partition start again
        st      r2, g_id - guest(r1)    ; patch this copy's id

        la      r3, guest_psw           ; PSW = (user, pc 0, base r1, bound GSIZE)
        st      r0, 0(r3)
        st      r0, 1(r3)
        st      r1, 2(r3)
        li      r4, GSIZE
        st      r4, 3(r3)
        la      r4, guest_done
        st      r4, on_exit(r0)         ; where the handler goes when the guest ends
        lpsw    r3                      ; run the guest
guest_done:
        la      sp, stack_top - 2       ; (the handler came here by jr: restore sp)
        la      r1, s_part              ; "partition at P: word K holds V"
        call    puts
        ld      r2, 0(sp)
        out     r2, 2
        la      r1, s_word
        call    puts
        li      r1, g_out - guest
        out     r1, 2
        la      r1, s_holds
        call    puts
        ld      r2, 0(sp)
        ld      r1, g_out - guest(r2)   ; physical partition + offset
        out     r1, 2
        li      r1, '\n'
        out     r1, 0
        pop     r1
        pop     lr
        ret

; The trap handler: supervisor mode, base 0.
handler:
        st      r1, save+0(r0)
        st      r2, save+1(r0)
        st      r3, save+2(r0)
        st      r4, save+3(r0)
        ld      r2, CAUSE(r0)
        li      r3, SVC
        bne     r2, r3, fault
        ld      r2, INFO(r0)
        li      r3, 1
        beq     r2, r3, svc_putc
        li      r3, 2
        beq     r2, r3, svc_puts
        li      r3, 3
        beq     r2, r3, svc_putnum
        b       fault                   ; an unknown service ends the guest
svc_putc:
        out     r1, 0
        b       svc_return
svc_putnum:
        out     r1, 2
        b       svc_return
svc_puts:                               ; r1 = virtual address in the guest
        ld      r2, 2(r0)               ; old base
        ld      r3, 3(r0)               ; old bound
puts_v:
        bgeu    r1, r3, fault           ; outside the guest: treat as its fault
        add     r4, r2, r1              ; physical = base + virtual
        ld      r4, 0(r4)
        beqz    r4, svc_return
        out     r4, 0
        addi    r1, r1, 1
        b       puts_v
svc_return:
        ld      r1, save+0(r0)
        ld      r2, save+1(r0)
        ld      r3, save+2(r0)
        ld      r4, save+3(r0)
        lpsw    r0                      ; back to the guest, after its svc

fault:                                  ; end the guest: report and go on
        la      r1, s_fault
        call    puts
        ld      r1, CAUSE(r0)
        out     r1, 2
        li      r2, 3
        bne     r1, r2, not_mem
        la      r1, s_memory
        call    puts
not_mem:
        la      r1, s_at
        call    puts
        ld      r1, INFO(r0)
        out     r1, 2
        la      r1, s_base
        call    puts
        ld      r1, 2(r0)
        out     r1, 2
        la      r1, s_bound
        call    puts
        ld      r1, 3(r0)
        out     r1, 2
        li      r1, ')'
        out     r1, 0
        li      r1, '\n'
        out     r1, 0
        ld      r1, on_exit(r0)
        jr      r1

; puts: print the string at r1 (supervisor addresses). Clobbers r1, r4.
puts:
        ld      r4, 0(r1)
        beqz    r4, puts_end
        out     r4, 0
        addi    r1, r1, 1
        b       puts
puts_end:
        ret

; ----------------------------------------------------------------------
; The guest. Assembled here (at whatever address), run only from its copies.
; Every absolute address in it is written relative to `guest`.
guest:
        jmp     g_code                  ; virtual 0: where the guest starts
g_id:   .word   0                       ; virtual 1: patched by the supervisor
g_out:  .word   0                       ; virtual 2: the guest leaves a result here
g_msg:  .string "hello from guest "
g_code:
        li      r1, g_msg - guest       ; virtual address of its message
        svc     2
        ld      r1, g_id - guest(r0)    ; virtual 1: its own partition's copy
        svc     3
        li      r1, '\n'
        svc     1
        ld      r2, g_id - guest(r0)
        li      r3, 111
        mul     r2, r2, r3
        st      r2, g_out - guest(r0)   ; leave id * 111 in its partition
        li      r2, GSIZE
        ld      r1, 0(r2)               ; one past its last word: MEMORY trap
        svc     1                       ; (never reached)
        .org    guest + 64              ; pad: the guest is exactly 64 words
guest_end:

guest_psw: .space 4
on_exit: .word  0
save:    .space 4
s_fault: .string "guest ended by trap "
s_at:    .string " at virtual address "
s_base:  .string " (base "
s_bound: .string ", bound "
s_memory: .string " (MEMORY)"
s_part:  .string "partition at "
s_word:  .string ": word "
s_holds: .string " holds "
stack:   .space 16
stack_top:
