import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import TongbanCore
import TongbanServer

/// Catalog search benchmark: generates a catalog of N items, loads it into SQLite and (when
/// a URL is given) PostgreSQL, and measures on each the server's search path (revision check
/// plus in-memory index search), the same search through the HTTP router, and the rate of
/// the plaintext `/healthz` route through that router, all in one run.
///
///   swift run -c release catalog-bench [--items 100000] [--queries 2000] [--postgres URL]
struct Options {
    var items = 100_000
    var queries = 2_000
    var postgres = ProcessInfo.processInfo.environment["TONGBAN_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    var seconds = 3.0

    init() {
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--items": items = Int(args.next() ?? "") ?? items
            case "--queries": queries = Int(args.next() ?? "") ?? queries
            case "--postgres": postgres = args.next()
            case "--seconds": seconds = Double(args.next() ?? "") ?? seconds
            default: fatalError("unknown argument \(arg)")
            }
        }
    }
}

/// A deterministic generator of plausible service items (names built from real guide words).
struct Generator {
    static let subjects = ["食品", "药品", "医疗器械", "化妆品", "烟草", "危险化学品", "道路运输", "出租汽车", "网络预约出租汽车", "建筑工程",
                           "房地产开发", "物业服务", "旅行社", "娱乐场所", "互联网上网服务", "印刷", "出版物", "广播电视", "文物保护", "体育经营",
                           "民办学校", "幼儿园", "职业培训", "劳务派遣", "人力资源服务", "养老机构", "殡葬服务", "社会团体", "民办非企业单位", "基金会",
                           "医疗机构", "诊所", "护士", "医师", "母婴保健", "放射诊疗", "公共场所卫生", "生活饮用水", "排污", "建设项目环境影响",
                           "取水", "河道采砂", "林木采伐", "野生动物", "种子生产经营", "农药经营", "兽药经营", "渔业捕捞", "船舶", "港口经营",
                           "燃气经营", "城市道路占用", "户外广告设置", "城市绿地占用", "施工许可", "商品房预售", "不动产", "住房公积金", "社会保险", "居民户口"]
    static let actions = ["许可（新办）", "许可（变更）", "许可（延续）", "许可（注销）", "登记", "变更登记", "注销登记", "备案", "核准", "审批",
                          "资格认定", "证书补办", "年度报告", "信息变更", "证明开具", "补贴申领", "待遇核定", "查询打印"]
    static let materials = ["申请表", "居民身份证", "营业执照", "场所使用证明", "法定代表人身份证明", "授权委托书", "设备清单", "人员资格证书",
                            "管理制度文本", "平面布局图", "检验检测报告", "不动产权证书", "社会保障卡", "户口簿", "结婚证", "出生医学证明"]

    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func bundle(count: Int, divisions: [String], departments: [String: [String]]) -> CatalogBundle {
        var random = Random(state: 20260501)
        var serials: [String: Int] = [:]
        var items: [ServiceItem] = []
        items.reserveCapacity(count)
        for n in 0..<count {
            let division = divisions[random.next(divisions.count)]
            let kind = ItemKind.allCases[random.next(ItemKind.allCases.count)]
            let key = "\(division)-\(kind.codeSegment)"
            serials[key, default: 0] += 1
            let subject = subjects[random.next(subjects.count)], action = actions[random.next(actions.count)]
            let online = random.next(3) > 0
            let statutory = 5 + random.next(16)
            let pool = departments[division] ?? departments["330000"]!
            items.append(ServiceItem(
                itemCode: "\(key)-\(String(format: "%04d", serials[key]!))", name: "\(subject)\(action)", kind: kind,
                legalBasis: [LegalBasis(law: "《\(subject)管理条例》", article: "第\(1 + random.next(60))条")],
                departmentCode: pool[n % pool.count], divisionCode: division,
                applicantType: ApplicantType.allCases[random.next(3)],
                conditions: ["申请人符合\(subject)管理相关规定"],
                materials: (0..<(2 + random.next(4))).map { i in MaterialRequirement(name: "\(materials[(n + i * 7) % materials.count])") },
                steps: ["申请", "受理", "审查", "决定"], statutoryLimitDays: statutory, promisedLimitDays: random.next(statutory + 1),
                fee: .free, visits: online ? 0 : 1, onlineFull: online,
                location: ServiceLocation(address: "政务服务中心\(1 + random.next(30))号窗口", hours: "工作日 9:00-17:00", phone: "0571-8800\(1000 + random.next(8999))"),
                lifeEvents: [LifeEvent.allCases[random.next(LifeEvent.allCases.count)]], tags: [subject],
                status: .published, version: 1))
        }
        return CatalogBundle(items: items)
    }
}

struct Row {
    var engine: String
    var buildSeconds: Double
    var servicePath: (p50: Double, p99: Double)
    var httpSearch: (p50: Double, p99: Double)
    var searchRate: Double
    var healthzRate: Double
}

func percentiles(_ samples: [Duration]) -> (p50: Double, p99: Double) {
    let ms = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
    return (ms[ms.count / 2], ms[min(ms.count - 1, Int(Double(ms.count) * 0.99))])
}

let queries = ["营业执照", "社保", "户口", "护照", "食品经营许可", "公积金提取", "不动产登记", "出生", "道路运输", "医保", "养老机构备案",
               "药品", "排污许可", "证明开具", "居民身份证", "建筑工程施工许可", "娱乐场所", "补贴申领", "危险化学品", "船舶登记"]

/// Requests per second over `seconds` with `concurrency` clients in flight.
func rate(_ client: any TestClientProtocol, uri: @escaping @Sendable (Int) -> String, seconds: Double, concurrency: Int = 8) async throws -> Double {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    let start = clock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var done = 0
                while clock.now < deadline {
                    try await client.execute(uri: uri(worker &+ done), method: .get) { response in
                        precondition(response.status == .ok)
                    }
                    done += 1
                }
                return done
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = start.duration(to: clock.now)
    return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func run(engine: String, store: AppConfiguration.Store?, options: Options) async throws -> Row {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-bench-\(UUID.random().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = AppConfiguration(dataDirectory: dir, store: store, bcryptCost: 4, logLevel: .warning)
    let app = try await buildApplication(config)
    let services = app.services
    do {
        struct Code: Decodable { var code: String }
        let divisions = try await services.database.sql.select().column("code").from("divisions")
            .where("code", .like, "33%").all(decoding: Code.self).map(\.code)
        var departments: [String: [String]] = [:]
        try await services.database.transaction { db in
            for division in divisions {
                for suffix in ["scjg", "rsj", "gaj", "zjj"] {
                    let code = "bench-\(division)-\(suffix)"
                    try await db.insert(into: "departments").columns("code", "name", "division_code", "created_at")
                        .values(SQLBind(code), SQLBind("\(division)\(suffix)局"), SQLBind(division), SQLBind(Int64(0))).run()
                }
            }
        }
        for division in divisions { departments[division] = ["scjg", "rsj", "gaj", "zjj"].map { "bench-\(division)-\($0)" } }
        let bundle = Generator.bundle(count: options.items, divisions: divisions, departments: departments)
        let importStart = ContinuousClock.now
        let report = try await CatalogTransfer(catalog: services.catalog).importBundle(bundle, by: nil, actor: .system("bench"))
        FileHandle.standardError.write(Data("[\(engine)] imported \(report.created) items in \(ContinuousClock.now - importStart)\n".utf8))

        let buildStart = ContinuousClock.now
        _ = try await services.catalog.search("", filters: .init(), page: 1, pageSize: 1)
        let build = ContinuousClock.now - buildStart
        let buildSeconds = Double(build.components.seconds) + Double(build.components.attoseconds) / 1e18

        var samples: [Duration] = []
        var byQuery: [String: [Duration]] = [:]
        for i in 0..<options.queries {
            let q = queries[i % queries.count]
            let filters = i % 4 == 0 ? CatalogSearchFilters(citizenDivision: "330106") : CatalogSearchFilters()
            let start = ContinuousClock.now
            _ = try await services.catalog.search(q, filters: filters, page: 1, pageSize: 20)
            samples.append(ContinuousClock.now - start)
            byQuery[q + (i % 4 == 0 ? " (330106)" : ""), default: []].append(samples[samples.count - 1])
        }
        let servicePath = percentiles(samples)
        var revisionSamples: [Duration] = []
        for _ in 0..<options.queries {
            let start = ContinuousClock.now
            _ = try await services.database.sql.raw("SELECT revision FROM catalog_state WHERE id = 1").all()
            revisionSamples.append(ContinuousClock.now - start)
        }
        let rev = percentiles(revisionSamples)
        FileHandle.standardError.write(Data("[\(engine)] revision read alone p50/p99 ms: \(f(rev.p50, 3))/\(f(rev.p99, 3))\n".utf8))
        // The p99 over a fixed query mix is set by its heaviest queries: name them.
        let slowest = byQuery.mapValues(percentiles).sorted { $0.value.p99 > $1.value.p99 }.prefix(6)
        FileHandle.standardError.write(Data("[\(engine)] slowest queries (p50/p99 ms): \(slowest.map { "\($0.key) \(f($0.value.p50, 2))/\(f($0.value.p99, 2))" }.joined(separator: ", "))\n".utf8))

        let encoded = queries.map { $0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)! }
        let (httpSamples, searchRate, healthzRate) = try await app.application.test(.router) { client in
            var httpSamples: [Duration] = []
            for i in 0..<options.queries {
                let start = ContinuousClock.now
                try await client.execute(uri: "/api/v1/services?q=\(encoded[i % encoded.count])", method: .get) { response in
                    precondition(response.status == .ok)
                }
                httpSamples.append(ContinuousClock.now - start)
            }
            let searchRate = try await rate(client, uri: { "/api/v1/services?q=\(encoded[$0 % encoded.count])" }, seconds: options.seconds)
            let healthzRate = try await rate(client, uri: { _ in "/healthz" }, seconds: options.seconds)
            return (httpSamples, searchRate, healthzRate)
        }
        await services.database.shutdown()
        return Row(engine: engine, buildSeconds: buildSeconds, servicePath: servicePath, httpSearch: percentiles(httpSamples),
                   searchRate: searchRate, healthzRate: healthzRate)
    } catch {
        await services.database.shutdown()
        throw error
    }
}

let options = Options()
var rows: [Row] = []
rows.append(try await run(engine: "SQLite", store: nil, options: options))
if let url = options.postgres {
    rows.append(try await run(engine: "PostgreSQL", store: .postgres(url: url), options: options))
} else {
    FileHandle.standardError.write(Data("no PostgreSQL URL (--postgres or TONGBAN_TEST_DATABASE_URL): SQLite only\n".utf8))
}

func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
print("catalog search, \(options.items) items, \(options.queries) queries per measurement, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("| database | index build s | search p50 ms | search p99 ms | HTTP search p50 ms | HTTP search p99 ms | HTTP search req/s | /healthz req/s |")
print("|---|---|---|---|---|---|---|---|")
for r in rows {
    print("| \(r.engine) | \(f(r.buildSeconds, 1)) | \(f(r.servicePath.p50, 3)) | \(f(r.servicePath.p99, 3)) | \(f(r.httpSearch.p50, 3)) | \(f(r.httpSearch.p99, 3)) | \(f(r.searchRate, 0)) | \(f(r.healthzRate, 0)) |")
}
