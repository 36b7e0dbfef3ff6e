// How many bytes an allocation sized by its input (an inflated array, a packed corpus) may take, and one way
// to make such an allocation that fails with a message instead of killing the host.
//
// Why: the extension runs inside other people's processes. Swift's allocator traps when malloc fails (under
// `ulimit -v` the whole Python kernel dies with SIGABRT), and in a memory cgroup nothing fails at all — pages
// are handed out until the kernel OOM-kills the host. So a reader that is about to take memory in
// proportion to its input first asks `MemoryBudget.available()`: the smallest of
//   - each memory cgroup's limit minus what the cgroup holds that cannot be reclaimed (v2 `memory.max` up the
//     hierarchy, v1 `memory.limit_in_bytes` / `hierarchical_memory_limit`; page cache counts as reclaimable),
//   - RLIMIT_AS minus the address space already mapped (VmSize),
//   - the memory the kernel says is available (MemAvailable, else physical RAM),
// unless `STRATA_MEMORY_LIMIT` (bytes, or with a K/M/G/T suffix; read once, when first needed) replaces them
// all. Then it allocates with `allocate`, which checks that budget and turns a null from malloc into an error.
// The system files read here are fixed paths under /proc and /sys, never paths from SQL, so they do not go
// through `FileAccess` (whose allow-list is for user files).
import Glibc

public enum MemoryBudget {
    /// What an input-sized allocation may take, and what sets that.
    public struct Limit: Equatable, Sendable, CustomStringConvertible {
        /// Bytes an allocation may take now (`Int.max`: nothing known limits it).
        public var bytes: Int
        /// What sets it, for messages: `cgroup memory.max`, `RLIMIT_AS`, `available memory`,
        /// `STRATA_MEMORY_LIMIT`.
        public var source: String

        public init(bytes: Int, source: String) {
            self.bytes = bytes
            self.source = source
        }

        public static let unlimited = Limit(bytes: .max, source: "no limit")

        public var description: String { "\(MemoryBudget.format(bytes)) (\(source))" }
    }

    /// Everything the budget is computed from: the pure part of this file works on these.
    public struct Readings: Equatable, Sendable {
        /// Each memory cgroup limit that applies: the limit, the bytes charged to that cgroup that cannot be
        /// reclaimed, and the name of the limit for messages.
        public var cgroups: [CgroupLimit] = []
        /// RLIMIT_AS (soft), nil when unlimited.
        public var addressSpaceLimit: Int?
        /// Address space already mapped (VmSize).
        public var addressSpaceUsed = 0
        /// MemAvailable, or physical RAM when that is unknown; nil when neither could be read.
        public var availableMemory: Int?
        /// `STRATA_MEMORY_LIMIT`, when set to a valid size.
        public var override: Int?

        public init(cgroups: [CgroupLimit] = [], addressSpaceLimit: Int? = nil, addressSpaceUsed: Int = 0,
                    availableMemory: Int? = nil, override: Int? = nil) {
            self.cgroups = cgroups
            self.addressSpaceLimit = addressSpaceLimit
            self.addressSpaceUsed = addressSpaceUsed
            self.availableMemory = availableMemory
            self.override = override
        }
    }

    public struct CgroupLimit: Equatable, Sendable {
        public var limit: Int
        public var used: Int
        public var name: String
        public init(limit: Int, used: Int, name: String) {
            self.limit = limit
            self.used = used
            self.name = name
        }
    }

    // MARK: the budget

    /// The budget these readings allow (pure). Of what remains under each limit, one allocation may take
    /// all but a margin (an eighth, at least `margin` bytes) that the rest of the host process keeps: SQLite's
    /// page cache, Python's objects.
    public static func limit(_ r: Readings) -> Limit {
        if let o = r.override { return Limit(bytes: max(0, o), source: "STRATA_MEMORY_LIMIT") }
        var best = Limit.unlimited
        func consider(_ remaining: Int, _ source: String) {
            let b = max(0, remaining &- max(margin, remaining / 8))
            if b < best.bytes { best = Limit(bytes: b, source: source) }
        }
        for c in r.cgroups { consider(c.limit &- max(0, c.used), c.name) }
        if let a = r.addressSpaceLimit { consider(a &- r.addressSpaceUsed, "RLIMIT_AS, ulimit -v") }
        if let m = r.availableMemory { consider(m, "available memory") }
        return best
    }

    /// The whole memory this process may hold (not minus what it holds now): the smallest cgroup limit,
    /// RLIMIT_AS or physical RAM, or the override. For sizing caches.
    public static func processLimit(_ r: Readings, physicalMemory: Int?) -> Int {
        if let o = r.override { return max(0, o) }
        var best = physicalMemory ?? Int.max
        for c in r.cgroups { best = min(best, c.limit) }
        if let a = r.addressSpaceLimit { best = min(best, a) }
        return max(0, best)
    }

    /// Left to the rest of the process, at least.
    public static let margin = 16 << 20

    /// What this process may take now for one input-sized allocation.
    public static func available() -> Limit { limit(Readings.system()) }

    /// `processLimit` of this process.
    public static func processLimit() -> Int { processLimit(Readings.system(), physicalMemory: physicalMemory()) }

    /// `STRATA_MEMORY_LIMIT`, read once. Invalid values are ignored (the detected limits apply).
    public static let override: Int? = {
        guard let raw = getenv("STRATA_MEMORY_LIMIT") else { return nil }
        return parseSize(String(cString: raw))
    }()

    // MARK: failable allocation

    /// An allocation refused because it does not fit the budget, or that malloc could not satisfy.
    public struct Refusal: MessageError, Equatable {
        /// What needed the memory (`Fortran-ordered array 'x.npz:a.npy'`).
        public var what: String
        public var needed: Int
        /// The budget it did not fit; nil when the budget allowed it but the allocation itself failed.
        public var limit: Limit?

        public init(what: String, needed: Int, limit: Limit?) {
            self.what = what
            self.needed = needed
            self.limit = limit
        }

        public var message: String {
            guard let limit else {
                return "\(what) needs \(MemoryBudget.format(needed)), and that much memory could not be allocated"
            }
            return "\(what) needs \(MemoryBudget.format(needed)); this process may use \(MemoryBudget.format(limit.bytes)) "
                + "(\(limit.source)); raise the limit or set STRATA_MEMORY_LIMIT"
        }
    }

    /// Allocations below this size skip the budget check (a refusal would come from malloc anyway, and the
    /// check reads a few files under /proc and /sys).
    public static let checkedSize = 16 << 20

    /// Throws `Refusal` when `bytes` exceed the budget.
    public static func check(_ bytes: Int, for what: @autoclosure () -> String) throws(Refusal) {
        guard bytes >= checkedSize else { return }
        let l = available()
        if bytes > l.bytes { throw Refusal(what: what(), needed: bytes, limit: l) }
    }

    /// `bytes` of uninitialised memory aligned to `alignment` (a power of two), after checking the budget;
    /// a refusal or a failed malloc is an error naming `what`, never a trap. Free with `free`.
    public static func allocate(_ bytes: Int, alignment: Int = 64, for what: @autoclosure () -> String)
        throws(Refusal) -> UnsafeMutableRawPointer {
        guard bytes >= 0 else { throw Refusal(what: what(), needed: bytes, limit: nil) }
        try check(bytes, for: what())
        var p: UnsafeMutableRawPointer?
        let a = max(alignment, MemoryLayout<Int>.size)
        guard posix_memalign(&p, a, max(bytes, 1)) == 0, let p else {
            throw Refusal(what: what(), needed: bytes, limit: nil)
        }
        return p
    }

    /// Grows (or shrinks) a block from `allocate` or malloc to `bytes`, keeping its contents; on failure the
    /// old block is left as it was. malloc's alignment (16 bytes) only.
    public static func reallocate(_ p: UnsafeMutableRawPointer?, to bytes: Int, for what: @autoclosure () -> String)
        throws(Refusal) -> UnsafeMutableRawPointer {
        guard bytes >= 0 else { throw Refusal(what: what(), needed: bytes, limit: nil) }
        try check(bytes, for: what())
        guard let q = realloc(p, max(bytes, 1)) else { throw Refusal(what: what(), needed: bytes, limit: nil) }
        return q
    }

    // MARK: sizes in text

    /// `512 bytes`, `3.0 KiB`, `1.5 MiB`, `3.1 GiB`, `2.0 TiB`.
    public static func format(_ bytes: Int) -> String {
        if bytes == .max { return "unlimited" }
        if bytes < 1024 { return "\(bytes) bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes) / 1024
        var u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[u])"
    }

    /// A size such as `1048576`, `512K`, `2G`, `1.5GiB`, `300 MB` (suffixes are binary: K = 1024); nil when
    /// the text is not one.
    public static func parseSize(_ text: String) -> Int? {
        var s = Substring(text.trimmingWhitespace())
        var number = ""
        while let c = s.first, c.isASCII, c.isNumber || c == "." { number.append(c); s = s.dropFirst() }
        while let f = s.first, f == " " { s = s.dropFirst() }
        guard !number.isEmpty, let value = Double(number), value.isFinite, value >= 0 else { return nil }
        var unit = s.lowercased()
        if unit.hasSuffix("ib") { unit.removeLast(2) } else if unit.hasSuffix("b") { unit.removeLast() }
        let shift: Int
        switch unit {
        case "": shift = 0
        case "k": shift = 10
        case "m": shift = 20
        case "g": shift = 30
        case "t": shift = 40
        default: return nil
        }
        let bytes = value * Double(1 << shift)
        guard bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }

    // MARK: reading the system

    /// Reads a small text file (under 256 KiB) whole; nil when it cannot be read.
    public typealias FileReader = (_ path: String) -> String?

    static func readSystemFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        let capacity = 256 << 10
        guard let buf = malloc(capacity) else { return nil }
        defer { free(buf) }
        var used = 0
        while used < capacity {
            let n = Glibc.read(fd, buf + used, capacity - used)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            used += n
        }
        return String(decoding: UnsafeRawBufferPointer(start: buf, count: used), as: UTF8.self)
    }

    static func physicalMemory() -> Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? nil : bytes
    }
}

extension MemoryBudget.Readings {
    /// This process's readings.
    public static func system() -> MemoryBudget.Readings {
        var r = read(MemoryBudget.readSystemFile)
        var rl = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            r.addressSpaceLimit = Int(clamping: rl.rlim_cur)
        }
        if r.availableMemory == nil { r.availableMemory = MemoryBudget.physicalMemory() }
        r.override = MemoryBudget.override
        return r
    }

    /// The file-based readings (cgroups, VmSize, MemAvailable) through `file` (tests pass fake files).
    public static func read(_ file: MemoryBudget.FileReader) -> MemoryBudget.Readings {
        var r = MemoryBudget.Readings()
        r.cgroups = cgroupLimits(file)
        if let statm = file("/proc/self/statm"), let pages = statm.split(separator: " ").first.flatMap({ Int($0) }) {
            let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
            r.addressSpaceUsed = pages.multipliedReportingOverflow(by: page).overflow ? Int.max : pages &* page
        }
        if let info = file("/proc/meminfo"), let kb = field(info, "MemAvailable:") {
            r.availableMemory = kb.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kb &* 1024
        }
        return r
    }

    /// The first integer after `name` at the start of a line of `text` (`/proc/meminfo`, `memory.stat`).
    static func field(_ text: String, _ name: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "\t" || name.hasSuffix(":") else { continue }
            let digits = rest.drop { $0 == " " || $0 == "\t" }.prefix { $0.isASCII && $0.isNumber }
            return Int(digits)
        }
        return nil
    }

    /// A cgroup hierarchy's mount: where it is mounted and which of its directories the mount shows.
    struct Mount {
        var root: String
        var point: String
        var isV2: Bool
    }

    /// Memory cgroup mounts from /proc/self/mountinfo (v2, and v1 with the memory controller).
    static func mounts(_ mountinfo: String) -> [Mount] {
        var out: [Mount] = []
        for line in mountinfo.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard let dash = parts.firstIndex(of: "-"), dash >= 5, dash + 1 < parts.count else { continue }
            let type = parts[dash + 1]
            let options = dash + 3 < parts.count ? parts[dash + 3].split(separator: ",") : []
            let root = unescape(parts[3]), point = unescape(parts[4])
            if type == "cgroup2" {
                out.append(Mount(root: root, point: point, isV2: true))
            } else if type == "cgroup", options.contains("memory") {
                out.append(Mount(root: root, point: point, isV2: false))
            }
        }
        return out
    }

    /// mountinfo escapes spaces and such as `\040`.
    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count,
               let v = UInt8(String(decoding: u[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(v)
                i += 4
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The directory of cgroup `path` (from /proc/self/cgroup) under `mount`, or nil when the mount does not
    /// show it (then the mount's own directory is the closest that applies).
    static func directory(of path: String, in mount: Mount) -> String {
        var rel: Substring
        if mount.root == "/" {
            rel = Substring(path)
        } else if path == mount.root || path.hasPrefix(mount.root + "/") {
            rel = path.dropFirst(mount.root.count)
        } else {
            // A namespaced view (a container): the mount is the process's own cgroup or an ancestor.
            rel = ""
        }
        while rel.hasPrefix("/") { rel = rel.dropFirst() }
        return rel.isEmpty ? mount.point : mount.point + "/" + rel
    }

    static func cgroupLimits(_ file: MemoryBudget.FileReader) -> [MemoryBudget.CgroupLimit] {
        guard let membership = file("/proc/self/cgroup"), let mountinfo = file("/proc/self/mountinfo") else { return [] }
        var v2Path: String?
        var v1Path: String?
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0", parts[1].isEmpty {
                v2Path = String(parts[2])
            } else if parts[1].split(separator: ",").contains("memory") {
                v1Path = String(parts[2])
            }
        }
        var out: [MemoryBudget.CgroupLimit] = []
        // Values this large mean "no limit" (v1 writes PAGE_COUNTER_MAX pages as bytes).
        let unlimited = 1 << 62
        for m in mounts(mountinfo) {
            if m.isV2, let path = v2Path {
                // memory.max applies at every level: walk up to the mount's directory.
                var dir = directory(of: path, in: m)
                while true {
                    if let text = file(dir + "/memory.max"), let limit = Int(text.trimmingWhitespace()), limit < unlimited {
                        let current = file(dir + "/memory.current").flatMap { Int($0.trimmingWhitespace()) } ?? 0
                        let stat = file(dir + "/memory.stat") ?? ""
                        let reclaimable = field(stat, "file") ?? 0
                        out.append(.init(limit: limit, used: max(0, current &- reclaimable), name: "cgroup memory.max"))
                    }
                    guard dir.count > m.point.count, dir.hasPrefix(m.point), let slash = dir.lastIndex(of: "/") else { break }
                    dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
                    if dir.count < m.point.count { break }
                }
            } else if !m.isV2, let path = v1Path {
                var dir = directory(of: path, in: m)
                if file(dir + "/memory.limit_in_bytes") == nil { dir = m.point }
                let stat = file(dir + "/memory.stat") ?? ""
                var limit = file(dir + "/memory.limit_in_bytes").flatMap { Int($0.trimmingWhitespace()) } ?? Int.max
                // With use_hierarchy, ancestors' limits apply too; memory.stat gives the smallest.
                if let h = field(stat, "hierarchical_memory_limit") { limit = min(limit, h) }
                guard limit < unlimited else { continue }
                let usage = file(dir + "/memory.usage_in_bytes").flatMap { Int($0.trimmingWhitespace()) } ?? 0
                let reclaimable = field(stat, "total_cache") ?? field(stat, "cache") ?? 0
                out.append(.init(limit: limit, used: max(0, usage &- reclaimable), name: "cgroup memory.limit_in_bytes"))
            }
        }
        return out
    }
}
