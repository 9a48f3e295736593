/** bubble.s's plain-JS twin (bubble.js): what the guest prints. */
export declare function bubble(size: number): string;
