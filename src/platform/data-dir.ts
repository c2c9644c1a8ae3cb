import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'

/**
 * DATA_DIR holds the embedded database, the signing keys and the mailbox (with
 * password-reset links): only the user running the shop may read any of it.
 * The directory is made 0700; whatever is in it already loses its group and
 * world bits (files from older versions, or written with a loose umask); and
 * the process umask becomes 077 for what is created later. Called when this
 * process opens the embedded database.
 */
export async function secureDataDir(dir: string): Promise<void> {
  process.umask(0o077)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await restrictToOwner(dir)
}

/** Takes the group and world bits off the tree (links are left alone). */
export async function restrictToOwner(dir: string): Promise<void> {
  await ownerOnly(path.resolve(dir))
}

async function ownerOnly(p: string): Promise<void> {
  const st = await lstat(p)
  // A link is not followed: it could point anywhere.
  if (st.isSymbolicLink()) return
  if (st.mode & 0o077) await chmod(p, st.mode & 0o700)
  if (st.isDirectory()) for (const name of await readdir(p)) await ownerOnly(path.join(p, name))
}
