// Benchmarks that are programs rather than tests (run through scripts/bench-*).
//   ferdata-bench near-duplicates [--count N] [--threshold T]
//   ferdata-bench inference MODEL DATASET [--runs N]
//   ferdata-bench train-step [--batches N] [--width 32,64]
//   ferdata-bench faces SCENES [--runs N] [--scale 110] [--neighbours N] [--verify N] [--min-face PIXELS] [--mtcnn]
import FERCore
import FERCuration
import FERData
import FERIngest
import FERMedia
import FERNet
import Foundation

/// Forward + backward of a CNN-RNN (the seed network, or `width`) on random batches of 64, data-parallel over the cores (no optimiser step).
func trainStep(batches: Int, width: NetworkWidth) {
    let model = CNNRNN(architecture: CNNRNN.Architecture(filters: width.filters), seed: 1)
    var random = SeededGenerator(seed: 2)
    let faces = (0..<(64 * 48 * 48)).map { _ in UInt8.random(in: 0...255, using: &random) }
    let labels = (0..<64).map { _ in Int.random(in: 0..<7, using: &random) }
    let parallel = DataParallel(master: model)
    let batch = Batch(faces: faces, labels: labels)
    var times: [Double] = []
    for _ in 0..<batches {
        let start = Date()
        _ = parallel.step(batch, seed: random.next()) { logits in
            FERNet.SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels, classes: 7)
        }
        times.append(Date().timeIntervalSince(start))
    }
    let median = times.sorted()[times.count / 2]
    print("train step, width \(width), batch 64: median \(String(format: "%.1f", median * 1000)) ms = \(Int(64 / median)) samples/s")
}

/// Scores a dataset's test split with a model file through `CNNRNN.probabilities` (the one inference
/// path of eval, crosseval and annotate; 256 faces a batch, every core), the faces already in memory:
/// prints the median faces/s of `runs` timed passes after one untimed pass, as JSON.
func inference(model path: String, dataset directory: String, runs: Int) throws {
    let (model, _) = try CNNRNN.load(path)
    let dataset = try Dataset(directory: URL(fileURLWithPath: directory))
    let faces = try dataset.allRecords().filter { $0.split == .test }.map(\.pixels)
    _ = model.probabilities(faces)
    var times: [Double] = []
    for _ in 0..<runs {
        let start = Date()
        _ = model.probabilities(faces)
        times.append(Date().timeIntervalSince(start))
    }
    let median = times.sorted()[times.count / 2]
    print("{\"faces\": \(faces.count), \"facesPerSecond\": \(Double(faces.count) / median), \"cores\": \(Parallel.coreCount)}")
}

func nearDuplicates(count: Int, threshold: Int) {
    var random = SeededGenerator(seed: 42)
    var hashes = (0..<count).map { _ in random.next() }
    // Plant 10,000 near copies at distances 0...threshold.
    var planted: [(Int, Int)] = []
    for index in 0..<10_000 {
        let original = Int.random(in: 0..<count, using: &random)
        var copy = hashes[original]
        var flipped = Set<Int>()
        while flipped.count < index % (threshold + 1) { flipped.insert(Int.random(in: 0..<64, using: &random)) }
        for bit in flipped { copy ^= 1 << UInt64(bit) }
        planted.append((original, hashes.count))
        hashes.append(copy)
    }
    let start = Date()
    let index = NearDuplicateIndex(hashes: hashes, threshold: threshold)
    let built = Date()
    let pairs = index.allPairs()
    let done = Date()
    let found = Set(pairs.map { "\(min($0.0, $0.1))-\(max($0.0, $0.1))" })
    let missing = planted.filter { !found.contains("\(min($0.0, $0.1))-\(max($0.0, $0.1))") }.count
    print("""
        near-duplicate search: \(hashes.count) random 64-bit hashes, \(planted.count) planted near copies, threshold \(threshold)
          index built in \(String(format: "%.2f", built.timeIntervalSince(start))) s, all pairs in \(String(format: "%.2f", done.timeIntervalSince(built))) s on \(Parallel.coreCount) cores
          pairs found: \(pairs.count); planted pairs missed: \(missing)
        """)
    if missing > 0 { exit(1) }
}

ProcessSettings.apply()  // single-threaded BLAS, as ferdata runs
/// Face detection on the scenes of scripts/make-face-scenes.py (decoded first, untimed), on all cores,
/// one scene per task, by OpenCV's cascades or by MTCNN as ingest runs it (`mtcnnMinFace` set):
/// prints JSON with each run's seconds and the boxes found per scene file, with their eyes (dlib's for
/// the cascades, nil where they did not settle; MTCNN's own) and, for MTCNN, its five landmarks,
/// scores and the crops its landmarks frame.
func faces(scenes folder: String, settings: FaceDetector.Settings, mtcnnMinFace: Int?, runs: Int) throws {
    struct Truth: Decodable { struct Scene: Decodable { var file: String }; var scenes: [Scene] }
    let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/truth.json")))
    let images = try truth.scenes.map { scene in
        try Data(contentsOf: URL(fileURLWithPath: folder + "/" + scene.file)).withUnsafeBytes { try ImageDecoder.decodeGray($0) }
    }
    var seconds: [Double] = []
    var boxes: [String: [[Int]]] = [:]
    var eyes: [String: [[Double]?]] = [:]
    var landmarks: [String: [[Double]]] = [:]
    var scores: [String: [Double]] = [:]
    var crops: [String: [[Double]]] = [:]
    if let minFace = mtcnnMinFace {
        // MTCNN as ingest runs it (`--detector mtcnn`, its default thresholds and framing).
        var options = FaceOptions.defaults
        options.detector = .mtcnn
        options.minFace = minFace
        let search = try FaceSearch(options: options)
        var found: [[FaceSearch.Found]] = []
        for _ in 0..<runs {
            let started = DispatchTime.now().uptimeNanoseconds
            found = Parallel.map(count: images.count, parts: images.count) { range in range.map { (try? search.find([images[$0]])) ?? [] } }
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        for (index, (scene, faces)) in zip(truth.scenes, found).enumerated() {
            let image = images[index]
            boxes[scene.file] = faces.map { [$0.box.x, $0.box.y, $0.box.width, $0.box.height] }
            eyes[scene.file] = faces.map { face in face.landmarks.map { l in [l.points[0].x, l.points[0].y, l.points[1].x, l.points[1].y] } }
            landmarks[scene.file] = faces.map { face in face.landmarks?.points.flatMap { [$0.x, $0.y] } ?? [] }
            scores[scene.file] = faces.map { Double($0.score ?? 0) }
            // The crop each face's record is cut from: centre x, centre y, side, turn (radians).
            crops[scene.file] = faces.map { face in
                let frame = search.frame(of: face, width: image.width, height: image.height)
                return [Double(frame.centreX), Double(frame.centreY), Double(frame.side), Double(frame.angle)]
            }
        }
    } else {
        let detector = try FaceDetector(settings: settings)
        var found: [[FaceBox]] = []
        for _ in 0..<runs {
            let started = DispatchTime.now().uptimeNanoseconds
            found = Parallel.map(count: images.count, parts: images.count) { range in range.map { (try? detector.detect(images[$0])) ?? [] } }
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let landmarker = try FaceLandmarker.shared()
        for (index, (scene, faces)) in zip(truth.scenes, found).enumerated() {
            boxes[scene.file] = faces.map { [$0.x, $0.y, $0.width, $0.height] }
            // The eyes alignment levels (left x, y, right x, y), nil where the landmarks did not settle.
            eyes[scene.file] = try faces.map { face in
                let fit = try landmarker.fit(images[index], face: face)
                return fit.settled ? [fit.left.x, fit.left.y, fit.right.x, fit.right.y] : nil
            }
        }
    }
    struct Result: Encodable {
        var seconds: [Double]
        var boxes: [String: [[Int]]]
        var eyes: [String: [[Double]?]]
        var landmarks: [String: [[Double]]]?
        var scores: [String: [Double]]?
        var crops: [String: [[Double]]]?
    }
    let result = Result(seconds: seconds, boxes: boxes, eyes: eyes, landmarks: mtcnnMinFace == nil ? nil : landmarks,
                        scores: mtcnnMinFace == nil ? nil : scores, crops: mtcnnMinFace == nil ? nil : crops)
    print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
}

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: Int) -> Int {
    guard let position = arguments.firstIndex(of: name), position + 1 < arguments.endIndex else { return fallback }
    return Int(arguments[position + 1]) ?? fallback
}
switch arguments.first {
case "model-io":
    // Writes a freshly initialised reference model and ferdata's logits for two inputs, for
    // scripts/check-torch-interop.py.
    let model = CNNRNN(seed: 5)
    var random = SeededGenerator(seed: 6)
    let inputs = (0..<(2 * 48 * 48)).map { _ in Float.random(in: 0...1, using: &random) }
    let logits = model.forward(inputs, batch: 2, training: false, random: &random)
    let directory = arguments.dropFirst().first ?? "."
    try model.save(to: directory + "/model.safetensors")
    try SafeTensors(tensors: ["inputs": .init(shape: [2, 1, 48, 48], values: inputs), "logits": .init(shape: [2, 7], values: logits)])
        .write(directory + "/io.safetensors")
    print("wrote \(directory)/model.safetensors and \(directory)/io.safetensors")
case "train-step":
    let width = arguments.firstIndex(of: "--width").flatMap { arguments.indices.contains($0 + 1) ? NetworkWidth(argument: arguments[$0 + 1]) : nil }
    trainStep(batches: option("--batches", 20), width: width ?? .seed)
case "inference":
    let positional = arguments.dropFirst().prefix { !$0.hasPrefix("--") }
    guard positional.count == 2 else {
        print("usage: ferdata-bench inference MODEL DATASET [--runs N]")
        exit(2)
    }
    try inference(model: positional.first!, dataset: positional.last!, runs: option("--runs", 5))
case "faces":
    guard let folder = arguments.dropFirst().first, !folder.hasPrefix("--") else {
        print("usage: ferdata-bench faces SCENES [--runs N] [--scale 110] [--neighbours N] [--verify N] [--min-face PIXELS] [--mtcnn]")
        exit(2)
    }
    var settings = FaceDetector.Settings()
    settings.scaleFactor = Double(option("--scale", Int(settings.scaleFactor * 100))) / 100
    settings.minNeighbours = option("--neighbours", settings.minNeighbours)
    settings.verifyNeighbours = option("--verify", settings.verifyNeighbours)
    settings.minFace = option("--min-face", settings.minFace)
    try faces(scenes: folder, settings: settings, mtcnnMinFace: arguments.contains("--mtcnn") ? settings.minFace : nil, runs: option("--runs", 3))
case "near-duplicates":
    nearDuplicates(count: option("--count", 1_000_000), threshold: option("--threshold", 4))
default:
    print("usage: ferdata-bench near-duplicates|inference|train-step|model-io ...")
    exit(2)
}
