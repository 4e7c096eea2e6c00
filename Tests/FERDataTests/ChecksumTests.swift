import CFerShims
import FERTestSupport
import Testing

@testable import FERCuration
@testable import FERData
@testable import FERIngest

@Suite(.serialized) struct ChecksumTests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ]

    @Test(arguments: [true, false])
    func sha256MatchesKnownVectors(accelerated: Bool) {
        fer_sha256_allow_acceleration(accelerated ? 1 : 0)
        defer { fer_sha256_allow_acceleration(1) }
        for (text, digest) in Self.vectors {
            #expect(SHA256Digest.hex(Array(text.utf8)) == digest)
        }
        // A million 'a's, fed in uneven pieces.
        var hasher = SHA256Digest()
        let piece = [UInt8](repeating: 0x61, count: 999)
        for _ in 0..<1001 { hasher.update(piece) }
        hasher.update([UInt8](repeating: 0x61, count: 1_000_000 - 999 * 1001))
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func acceleratedAndPortablePathsAgree() {
        let data = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        fer_sha256_allow_acceleration(0)
        let portable = SHA256Digest.hex(data)
        fer_sha256_allow_acceleration(1)
        #expect(SHA256Digest.hex(data) == portable)
    }

    @Test func crc32MatchesZlib() {
        let bytes = Array("123456789".utf8)
        #expect(bytes.withUnsafeBytes { RecordLayout.checksum($0) } == 0xCBF4_3926)
    }
}
