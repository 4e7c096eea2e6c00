import FERCore
import FERMedia
import FERTestSupport
import Foundation
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

/// Smooth random images (a random 12x12 grid enlarged), distinct under pHash for distinct seeds.
func blob(_ seed: UInt64) -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    let grid = (0..<144).map { _ in UInt8.random(in: 0...255, using: &random) }
    return GrayImage(width: 12, height: 12, pixels: grid).resizedSquare(to: 48).pixels
}

func record(_ pixels: [UInt8], _ label: Emotion?, _ split: Split = .train, id: UInt64) -> FaceRecord {
    FaceRecord(pixels: pixels, label: label, split: split, recordID: id, sourceName: "r\(id)")
}

func noisy(_ pixels: [UInt8], seed: UInt64) -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    return pixels.map { UInt8(clamping: Int($0) + Int.random(in: -3...3, using: &random)) }
}

func mirrored(_ pixels: [UInt8]) -> [UInt8] {
    (0..<pixels.count).map { pixels[($0 / 48) * 48 + 47 - $0 % 48] }
}

@Suite struct NearDuplicateIndexTests {
    @Test(arguments: [0, 2, 4, 5, 7, 9, 13])
    func findsExactlyThePairsBruteForceFinds(threshold: Int) {
        var random = SeededGenerator(seed: UInt64(threshold))
        var hashes = (0..<3000).map { _ in random.next() }
        // Plant near copies at every distance up to threshold + 2.
        for planted in 0..<300 {
            var copy = hashes[planted]
            for _ in 0..<(planted % (threshold + 3)) { copy ^= 1 << UInt64(Int.random(in: 0..<64, using: &random)) }
            hashes.append(copy)
        }
        let found = Set(NearDuplicateIndex(hashes: hashes, threshold: threshold).allPairs().map { "\($0.0)-\($0.1)" })
        var expected = Set<String>()
        for i in hashes.indices {
            for j in (i + 1)..<hashes.count where (hashes[i] ^ hashes[j]).nonzeroBitCount <= threshold { expected.insert("\(i)-\(j)") }
        }
        #expect(found == expected)
    }

    @Test func perceptualHashesSeparateDifferentImagesAndJoinNoisyCopies() {
        let a = blob(1), b = blob(2)
        let hash = { (pixels: [UInt8]) in PerceptualHash.hash(GrayImage(width: 48, height: 48, pixels: pixels)) }
        #expect(PerceptualHash.distance(hash(a), hash(noisy(a, seed: 9))) <= 4)
        #expect(PerceptualHash.distance(hash(a), hash(b)) > 12)
        #expect(PerceptualHash.mirroredHash(GrayImage(width: 48, height: 48, pixels: a)) == hash(mirrored(a)))
    }
}

@Suite struct DedupTests {
    /// 20 distinct train faces, then planted trouble.
    static func planted() -> [FaceRecord] {
        var records = (0..<20).map { record(blob(UInt64($0)), Emotion(rawValue: UInt8($0 % 7)), id: UInt64($0)) }
        records.append(record(blob(0), .angry, id: 100))  // exact copy of 0
        records.append(record(noisy(blob(1), seed: 1), .disgust, id: 101))  // near copy of 1
        records.append(record(mirrored(blob(2)), .fear, id: 102))  // mirrored copy of 2
        records.append(record(blob(3), .happy, .test, id: 103))  // 3 leaks into test
        records.append(record(blob(4), .happy, id: 104))  // 4 is sad: a label conflict
        records.append(record([UInt8](repeating: 0, count: 2304), .sad, id: 105))  // degenerate
        records.append(record(blob(5), .surprise, .val, id: 106))  // 5 leaks into val
        return records
    }

    @Test func removesDuplicatesLeaksConflictsAndDegenerateImages() throws {
        let (kept, groups, report) = try Deduplicator().run(Self.planted())
        let ids = Set(kept.map(\.recordID))
        #expect(ids == Set([0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 103, 106]))
        #expect(report.removed == ["exact-duplicate": 2, "near-duplicate": 2, "leak-into-test": 1, "leak-into-val": 1,
                                   "label-conflict": 1, "degenerate": 1])
        #expect(report.leakageGroups == ["train-test": 1, "train-val": 1])
        #expect(report.leakedRecords == ["train": 2])
        #expect(report.labelConflictGroups == 1)
        #expect(report.degenerateBySplit == ["train": 1])
        #expect(groups.count == 6)
        #expect(groups.first { $0.members.contains(21) }?.distances.allSatisfy { $0 <= 4 } == true)
    }

    @Test func withoutMirrorAwarenessAFlippedCopyStays() throws {
        var options = Deduplicator.Options.defaults
        options.mirror = false
        let (kept, _, _) = try Deduplicator(options: options).run(Self.planted())
        #expect(kept.contains { $0.recordID == 102 })
    }

    @Test func majorityRelabelsAndTiesDrop() throws {
        var records = Self.planted()
        records.append(record(blob(4), .happy, id: 107))  // now happy 2 : sad 1
        var options = Deduplicator.Options.defaults
        options.conflicts = .majority
        let (kept, _, report) = try Deduplicator(options: options).run(records)
        #expect(kept.first { $0.recordID == 4 }?.label == .happy)
        #expect(report.relabelled == 1)
    }

    @Test func aThresholdOutOfRangeIsAnError() {
        var options = Deduplicator.Options.defaults
        options.threshold = 16
        #expect(throws: FerError.self) { try Deduplicator(options: options).run(Self.planted()) }
    }
}

@Suite struct SplitBalanceAugmentTests {
    static func classes(_ sizes: [Int]) -> [FaceRecord] {
        var records: [FaceRecord] = []
        var id: UInt64 = 0
        for (label, size) in sizes.enumerated() {
            for _ in 0..<size {
                records.append(record(blob(1000 + id), Emotion(rawValue: UInt8(label)), id: id))
                id += 1
            }
        }
        records.append(record(blob(99_999), .happy, .test, id: 9999))
        records.append(record(blob(99_998), .sad, .val, id: 9998))
        return records
    }

    @Test func splitIsStratifiedAndKeepsGroupsTogether() throws {
        var records = Self.classes([60, 40, 0, 0, 0, 0, 0])
        for copy in 0..<5 { records.append(record(noisy(records[0].pixels, seed: UInt64(copy)), .angry, id: 500 + UInt64(copy))) }
        var options = StratifiedSplit.Options()
        options.valFraction = 0.2
        let (split, report) = try StratifiedSplit(options: options).run(records)
        let val = split.filter { $0.split == .val && $0.recordID != 9998 }
        #expect(val.filter { $0.label == .angry }.count == 13)  // 20 % of 65
        #expect(val.filter { $0.label == .disgust }.count == 8)
        let group = split.filter { $0.recordID == 0 || $0.recordID >= 500 && $0.recordID < 505 }
        #expect(Set(group.map(\.split)).count == 1)
        #expect(split.first { $0.recordID == 9999 }?.split == .test)
        #expect(report.groupsKeptTogether >= 1)
        let again = try StratifiedSplit(options: options).run(records).records
        #expect(again.map(\.split) == split.map(\.split))
    }

    @Test(arguments: [Balancer.Target.count(5), .count(1), .count(20), .max, .median])
    func balanceBringsEveryTrainClassToTheTarget(target: Balancer.Target) throws {
        let sizes = [5, 3, 8, 2, 4, 6, 7]
        let records = Self.classes(sizes)
        let (balanced, report) = try Balancer(target: target).run(records)
        let goal = switch target { case .count(let n): n; case .max: 8; case .median: 5 }
        #expect(report.target == goal)
        for emotion in Emotion.allCases {
            #expect(balanced.filter { $0.split == .train && $0.label == emotion }.count == goal)
        }
        #expect(balanced.filter { $0.split != .train }.map(\.recordID) == [9999, 9998])
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.recordID, $0) })
        for variant in balanced where variant.flags.contains(.augmented) {
            let parent = try #require(byID[variant.parentID])
            #expect(variant.pixels != parent.pixels)
            #expect(variant.augmentation.apply(to: parent.pixels) == variant.pixels)
            #expect(variant.label == parent.label)
        }
        #expect(Set(balanced.map(\.recordID)).count == balanced.count)
    }

    @Test func balancingAnEmptyClassIsAClearError() throws {
        do {
            _ = try Balancer(target: .count(5)).run(Self.classes([5, 3, 0, 2, 4, 6, 7]))
            Issue.record("an empty class was balanced")
        } catch let error as FerError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("'fear'"), "names the empty class")
        }
    }

    @Test func augmentAddsTraceableVariantsOfTrainOnly() throws {
        let records = Self.classes([3, 2, 0, 0, 0, 0, 0])
        let augmented = try Augmenter(copies: 2, seed: 3).run(records).records
        #expect(augmented.count == 5 * 3 + 2)
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.recordID, $0) })
        for variant in augmented where variant.flags.contains(.augmented) {
            let parent = try #require(byID[variant.parentID])
            #expect(parent.split == .train)
            #expect(variant.augmentation.apply(to: parent.pixels) == variant.pixels)
        }
        #expect(try Augmenter(copies: 2, seed: 3).run(records).records.map(\.pixels) == augmented.map(\.pixels))
    }

    @Test func identityAugmentationChangesNothing() {
        let pixels = blob(5)
        #expect(AugmentationParameters.identity.apply(to: pixels) == pixels)
        var flip = AugmentationParameters.identity
        flip.flipped = true
        #expect(flip.apply(to: pixels) == mirrored(pixels))
    }
}
