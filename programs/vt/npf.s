; npf.s — guest storage given on demand (NPF exits), and event injection
; isa: pg32+vt
;
; The guest believes it has 0x2000 words (its bound). The host backs only
; the first 0x100 at first: its partition (control block words 6–7) starts
; small. A guest access below its bound but past the partition does not
; trap inside the guest; it exits to the host with NPF and the
; guest-physical address. The host grows the partition and runs the guest
; again at the same instruction, which now succeeds — storage allocated on
; demand, as nested paging lets a real hypervisor do. Past 0x1000 words the
; host has nothing more to give: it injects a MEMORY trap instead, which the
; guest's own handler receives as if its storage simply ended there.
;
; Injection also starts the guest: the first vmrun delivers an SVC 42 into
; it before its first instruction (control block words 11–12).
; The guest's console I/O is not intercepted: its `out` reaches the console.
;
;   trapeze run programs/vt/npf.s --isa pg32+vt

        .equ    G, 0x1000               ; partition base (physical)
        .equ    MAXSIZE, 0x1000         ; the most the host will back
        .equ    STEP, 0x100             ; partitions grow in steps of this
        .equ    EXIT_INSTR, 16
        .equ    EXIT_NPF, 17

        .org    16
start:  la      r12, cb
run:    vmrun   r12
        ld      r2, 9(r12)              ; exit code
        li      r3, EXIT_NPF
        beq     r2, r3, npf
        li      r3, EXIT_INSTR          ; HALT is the only instruction intercepted
        beq     r2, r3, halted
        la      r2, m_exit
        call    puts
        out     r2, 2
        b       done

; NPF: the guest touched guest-physical p (exit info) below its bound.
npf:    ld      r4, 10(r12)             ; p
        addi    r9, r9, 1               ; count them
        la      r2, m_npf
        call    puts
        out     r4, 2
        li      r5, MAXSIZE
        bgeu    r4, r5, refuse
        addi    r6, r4, STEP            ; new size: p rounded up to the next STEP
        andi    r6, r6, 0xff00
        st      r6, 7(r12)
        la      r2, m_grow
        call    puts
        out     r6, 2
        la      r2, m_words
        call    puts
        b       run                     ; the same instruction again
refuse: li      r5, 3                   ; inject MEMORY, info = the guest's virtual address
        st      r5, 11(r12)
        ld      r6, 2(r12)              ; guest base
        sub     r6, r4, r6
        st      r6, 12(r12)
        la      r2, m_refuse
        call    puts
        b       run

halted: la      r2, m_halt
        call    puts
        out     r9, 2
        la      r2, m_npfs
        call    puts
        ld      r2, 7(r12)
        out     r2, 2
        la      r2, m_words
        call    puts
done:   halt

puts:   ld      r5, 0(r2)
        beqz    r5, puts_e
        out     r5, 0
        addi    r2, r2, 1
        b       puts
puts_e: ret

m_exit:   .string "host: unexpected exit "
m_npf:    .string "host: NPF at guest-physical "
m_grow:   .string ", partition grows to "
m_words:  .string " words\n"
m_refuse: .string ": nothing left to give, MEMORY trap injected\n"
m_halt:   .string "host: guest halted after "
m_npfs:   .string " NPF exits, in a partition of "

; The control block: the guest starts in supervisor mode at 16 with bound
; 0x2000 in a partition of STEP words, HALT intercepted, SVC 42 injected.
cb:     .word   1, 16, 0, 0x2000, 0, 0, G, STEP, 2, 0, 0, 4, 42, 0, 0, 0
        .space  16

; ---------------------------------------------------------------- the guest
; Guest-physical addresses: a label L is at L - G in the guest.
        .org    G + 8
        .word   1, trap - G, 0, 0x2000  ; its new PSW

        .org    G + 16
gstart: li      r1, 0x200               ; write a word every 0x180 up to 0xb00
        li      r2, 0xb00
        li      r3, 0
fill:   st      r1, 0(r1)               ; the first touch of each new 0x100 exits NPF
        add     r3, r3, r1
        addi    r1, r1, 0x180
        blt     r1, r2, fill
        li      r2, m_sum - G
        call    gputs
        out     r3, 2
        li      r4, 10
        out     r4, 0
        li      r1, 0x1800
        ld      r2, 0(r1)               ; below the bound, past what the host will give
        halt                            ; (not reached: the injected MEMORY trap halts)

; The guest's trap handler: an SVC returns, a MEMORY trap ends the guest.
trap:   ld      r1, 4(r0)               ; cause
        ld      r2, 5(r0)               ; info
        li      r4, 10
        li      r5, 4
        bne     r1, r5, gmem
        li      r6, m_svc - G
        mov     r7, r2
        mov     r2, r6
        call    gputs
        out     r7, 2
        li      r2, m_first - G
        call    gputs
        lpsw    r0                      ; back to where it was (its first instruction)
gmem:   mov     r7, r2
        li      r2, m_mem - G
        call    gputs
        out     r1, 2
        li      r2, m_at - G
        call    gputs
        out     r7, 2
        out     r4, 0
        halt

gputs:  ld      r5, 0(r2)
        beqz    r5, gputs_e
        out     r5, 0
        addi    r2, r2, 1
        b       gputs
gputs_e:
        ret

m_svc:   .string "guest: svc "
m_first: .string " arrived before my first instruction\n"
m_sum:   .string "guest: wrote 6 words up to 0x980, sum "
m_mem:   .string "guest: trap cause "
m_at:    .string " at address "
