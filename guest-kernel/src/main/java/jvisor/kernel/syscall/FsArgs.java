package jvisor.kernel.syscall;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.proc.Task;

/** Path and dirfd arguments of the file syscalls (Linux's user_path_at with its flags). */
final class FsArgs {
    private FsArgs() {}

    /** What an *at(2) call names: a resolved path, or (AT_EMPTY_PATH) the open file dirfd itself. */
    record Target(Resolution r, FileDescription file) {
        Vnode node() {
            if (file != null) return file.vnode();
            return r.node();
        }
    }

    /**
     * Resolves (dirfd, path) for calls that need an existing file: ENOENT if missing; with
     * AT_EMPTY_PATH and "" the file of dirfd (the cwd for AT_FDCWD).
     */
    static Target existing(Task t, int dirfd, long pathAddr, int flags) {
        byte[] path = SysSupport.path(t, pathAddr);
        if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0) {
            if (dirfd == Fs.AT_FDCWD) {
                path = t.process.cwd();
            } else {
                FileDescription f = SysSupport.file(t, dirfd);
                return new Target(null, f);
            }
        }
        Resolution r = SysSupport.resolve(t, dirfd, path, (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0);
        if (!r.exists()) throw SysSupport.err(Errno.ENOENT);
        if (r.magic() != null) return new Target(r, r.magic());
        return new Target(r, null);
    }

    /** Resolves the parent of a path that is to be created or removed (the final link not followed). */
    static Resolution parentOf(Task t, int dirfd, byte[] path) {
        return SysSupport.resolve(t, dirfd, path, false);
    }

    /** True if the last component of path is "." or ".." (after trailing slashes). */
    static boolean endsInDots(byte[] path) {
        int end = path.length;
        while (end > 0 && path[end - 1] == '/') end--;
        int start = end;
        while (start > 0 && path[start - 1] != '/') start--;
        int n = end - start;
        if (n == 1 && path[start] == '.') return true;
        return n == 2 && path[start] == '.' && path[start + 1] == '.';
    }

    static boolean endsInDotDot(byte[] path) {
        int end = path.length;
        while (end > 0 && path[end - 1] == '/') end--;
        int start = end;
        while (start > 0 && path[start - 1] != '/') start--;
        return end - start == 2 && path[start] == '.' && path[start + 1] == '.';
    }

    /** Permission to modify directory dir (create or remove an entry): write and search, EROFS first. */
    static void mayModify(Task t, Vnode dir) {
        if (dir.mount() != null && dir.mount().readOnly) throw SysSupport.err(Errno.EROFS);
        int r = dir.permission(Fs.W_OK | Fs.X_OK, t.process.creds);
        if (r < 0) throw SysSupport.err(-r);
    }

    static void writableMount(Vnode v) {
        if (v.mount() != null && v.mount().readOnly) throw SysSupport.err(Errno.EROFS);
    }

    static long wrap(Runnable r) {
        r.run();
        return 0;
    }
}
