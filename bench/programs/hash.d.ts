/** hash.s's plain-JS twin (hash.js): what the guest prints. */
export declare function hash(size: number): string;
