// The few process-level syscalls pppinit makes, each a thin wrapper:
// spawning with descriptors at fixed numbers, pipes, signals, reaping, and
// the runtime directory.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

enum Sys {
    static func read(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = Glibc.read(fd, buf.baseAddress, buf.count)
            if n < 0 && errno == EINTR { continue }
            return n < 0 && errno != EAGAIN ? 0 : n
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    /// pipe2(O_CLOEXEC | O_NONBLOCK) for the read end's sake; the write end
    /// is placed on the child's 1 and 2 by ppp_spawn, which clears CLOEXEC.
    static func pipe() throws(IPCError) -> (read: SharedDescriptor, write: SharedDescriptor) {
        var fds: [Int32] = [-1, -1]
        _ = try Errno.check("pipe2") { ppp_pipe(&fds) }
        return (SharedDescriptor(FileDescriptor(adopting: fds[0])), SharedDescriptor(FileDescriptor(adopting: fds[1])))
    }

    static func devNull() throws(IPCError) -> FileDescriptor {
        FileDescriptor(adopting: try Errno.check("open(/dev/null)") { open("/dev/null", O_RDWR | O_CLOEXEC) })
    }

    /// Without a parent-death signal: a daemon outlives pppinit and
    /// re-attaches to the next one (Router+Adoption.swift).
    static func spawn(path: String, argv: [String], env: [String], stdin: Int32, output: Int32, fds: [Int32]) throws(IPCError) -> Int32 {
        var cargv = argv.map { strdup($0) } + [nil]
        var cenv = env.map { strdup($0) } + [nil]
        defer { cargv.forEach { free($0) }; cenv.forEach { free($0) } }
        let pid = fds.withUnsafeBufferPointer { f in
            ppp_spawn(path, &cargv, &cenv, stdin, output, output, f.baseAddress, Int32(f.count), 0)
        }
        guard pid > 0 else { throw .system(call: "fork", errno: errno) }
        return pid
    }

    /// Copies a file (sendfile(2), in the kernel) to a new file of `mode`.
    static func copyFile(from source: String, to target: String, mode: mode_t) throws(IPCError) {
        let src = try Errno.check("open(\(source))") { open(source, O_RDONLY | O_CLOEXEC) }
        defer { _ = close(src) }
        var st = stat()
        guard fstat(src, &st) == 0 else { throw .system(call: "fstat(\(source))", errno: errno) }
        let dst = try Errno.check("open(\(target))") { open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        defer { _ = close(dst) }
        var left = Int(st.st_size)
        while left > 0 {
            let n = sendfile(dst, src, nil, left)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(call: "sendfile(\(target))", errno: n < 0 ? errno : EIO) }
            left -= n
        }
    }

    /// Reaps every exited child: (pid, description, exit code or nil).
    static func reap() -> [(pid: Int32, how: String, code: Int32?)] {
        var out: [(Int32, String, Int32?)] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return out }
            var code: Int32 = 0, sig: Int32 = 0
            switch ppp_wait_status(status, &code, &sig) {
            case 1: out.append((pid, "exit \(code)", code))
            case 2: out.append((pid, "signal \(sig)", nil))
            default: continue
            }
        }
    }

    /// The path this process was executed from (/proc/self/exe).
    static func executablePath() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return "" }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func selfDirectory() -> String {
        let path = executablePath()
        guard !path.isEmpty else { return "." }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// Creates the runtime directory (0755) and its parents.
    static func makeDirectory(_ path: String) throws(IPCError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .system(call: "mkdir(\(prefix))", errno: errno) }
        }
    }

    /// One directory (its parent exists) owned by `uid`:`gid`, mode 0755;
    /// an existing one (a pppinit before us made it) is given to them again.
    static func makeOwnedDirectory(_ path: String, uid: UInt32, gid: UInt32) throws(IPCError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .system(call: "mkdir(\(path))", errno: errno) }
        // lchown: a symlink planted in the runtime dir is not followed.
        if lchown(path, uid, gid) != 0 { throw .system(call: "chown(\(path))", errno: errno) }
    }

    /// Removes the runtime directory and what pppinit and the daemons put in
    /// it: sockets and files, and the bundle sockets' subdirectory with what
    /// a stopped ncpd left in it (its only subdirectory, one level deep).
    static func removeDirectory(_ path: String, depth: Int = 1) {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                if entry.pointee.d_type == UInt8(DT_DIR) {
                    if depth > 0 { removeDirectory(path + "/" + name, depth: depth - 1) }
                    continue
                }
                _ = unlink(path + "/" + name)
            }
            closedir(dir)
        }
        _ = rmdir(path)
    }
}
