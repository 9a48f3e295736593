/** What the binary translator counts about one VM (`trapeze vmm --monitor bt --stats`). */
export class BtStats {
  /** blocks translated (one-instruction blocks included) */
  blocks = 0;
  /** instructions translated ident / rewritten */
  identTranslated = 0;
  rewrittenTranslated = 0;
  /** ident instructions executed (in blocks, or stepped) / rewritten ones, by their routine */
  identExecuted = 0;
  rewrittenExecuted = 0;
  /** lookups in the translation cache that found a valid block */
  hits = 0;
  /** links made from a block's exit to its successor, and transfers that followed one (no lookup) */
  chains = 0;
  chained = 0;
  /** blocks dropped because their code changed under them */
  invalidations = 0;
  /** instructions run one at a time by the stepper: code reached for the first time (a block is
   * translated the second time), and where a block did not fit the slice or the guest's TIMER */
  stepped = 0;
  /** traps raised by translated code (svc, faults, ...), handled by the monitor with no hardware trap, by cause */
  readonly callouts = new Float64Array(8);

  get calloutCount(): number {
    let n = 0;
    for (const c of this.callouts) n += c;
    return n;
  }
}
