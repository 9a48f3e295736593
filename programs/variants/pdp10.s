; pdp10.s — a kernel that enters user mode the PDP-10 way
;
; `jrstu rs` jumps to rs and, in supervisor mode, drops to user mode. It is
; not privileged, so under a trap-and-emulate monitor — where the guest's
; kernel really runs in user mode — it executes directly, jumps, and the
; monitor never learns that the guest meant to leave supervisor mode. The
; "user" code then does `out` and the monitor, still believing the guest is
; in supervisor mode, emulates it instead of reflecting a PRIV trap.
; Theorem 1 fails for pg32-pdp10. The hybrid monitor interprets everything in
; virtual supervisor mode, so it sees jrstu's mode change: Theorem 3 holds.
;
;   trapeze equiv programs/variants/pdp10.s                    → NOT EQUIVALENT
;   trapeze equiv programs/variants/pdp10.s --monitor hybrid   → EQUIVALENT

        .isa pg32-pdp10                ; the ISA this program is written for: tools run it on that

        .org 8
        .word 1, handler, 0, 65536     ; new PSW: supervisor, IE off, base 0

        .org 16
start:  li   sp, 0x8000
        la   r1, hello
        call puts
        la   r2, user
        jrstu r2                       ; to user mode, at `user`

; --- user code ---------------------------------------------------------------
user:   li   r1, 'U'
        out  r1, 0                     ; privileged: must trap to the kernel
        la   r1, escaped
        call puts                      ; only reached if `out` did not trap
        halt

; --- the kernel's trap handler ----------------------------------------------
handler:
        ld   r3, 4(r0)                 ; cause
        li   r4, 1
        bne  r3, r4, other
        la   r1, caught
        call puts
        ld   r1, 0(r0)                 ; old flags: 0 = the trap came from user mode
        out  r1, 2
        li   r1, '\n'
        out  r1, 0
        halt
other:  la   r1, strange
        call puts
        halt

; puts(r1): print the 0-terminated string at r1 (supervisor only: uses out)
puts:   ld   r5, 0(r1)
        beqz r5, done
        out  r5, 0
        addi r1, r1, 1
        b    puts
done:   ret

hello:   .string "kernel: entering user mode with jrstu\n"
caught:  .string "kernel: user code tried a privileged instruction; old flags = "
escaped: .string "\nuser: my out was not trapped, so I was still in supervisor mode\n"
strange: .string "kernel: unexpected trap\n"
