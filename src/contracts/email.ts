/**
 * One account per mailbox, the same form wherever an address is looked up or
 * kept (the auth service's register, login, reset and admin; the address an order
 * keeps, which comes from the account): Unicode NFKC (so fullwidth or ligature
 * look-alikes become the plain letters), surrounding spaces removed, the whole
 * address lower case (mail providers treat the local part case-insensitively
 * in practice).
 */
export function canonicalEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase()
}
