/**
 * The bookkeeping of a send that both stores do the same way before they
 * write it: each member's highest role in the message, and the thread's
 * visible and silent participants after it.
 *
 * @module
 */
import type { MailRole } from "../core/mailbox-types.js";

/** Role ranks as stored: the highest role is the largest number. */
export const roleRank: Record<MailRole, number> = { to: 3, cc: 2, bcc: 1 };

/** The role of a stored rank (an unknown one reads as the lowest, bcc). */
export function roleOfRank(rank: number): MailRole {
  return rank === 3 ? "to" : rank === 2 ? "cc" : "bcc";
}

/** Sorted union of a sorted list and more names. */
export function sortedUnion(base: readonly string[], more: Iterable<string>): string[] {
  const set = new Set(base);
  for (const a of more) set.add(a);
  return [...set].sort();
}

/** Every agent of a message with its highest role in it (the sender counts as `to`), sender first. */
export function memberRoles(
  from: string,
  to: readonly string[],
  cc: readonly string[],
  bcc: readonly string[],
): Map<string, MailRole> {
  const roles = new Map<string, MailRole>([[from, "to"]]);
  const raise = (a: string, r: MailRole) => {
    const had = roles.get(a);
    if (had === undefined || roleRank[r] > roleRank[had]) roles.set(a, r);
  };
  for (const a of to) raise(a, "to");
  for (const a of cc) raise(a, "cc");
  for (const a of bcc) raise(a, "bcc");
  return roles;
}

/** The thread's visible (sorted) and silent (sorted) participants once the message is in. */
export function participantsAfter(
  thread: { participants: readonly string[]; silent: readonly string[] },
  message: { from: string; to: readonly string[]; cc: readonly string[]; bcc: readonly string[] },
): { visible: string[]; silent: string[] } {
  return {
    visible: sortedUnion(thread.participants, [message.from, ...message.to, ...message.cc]),
    silent: sortedUnion(thread.silent, message.bcc),
  };
}
