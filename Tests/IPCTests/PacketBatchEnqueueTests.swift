// PacketBatch.enqueue copies a contiguous frame with one memcpy (the generic
// runs unspecialised when linkd calls it) and anything else octet by octet:
// both paths must leave the same slots, lengths and refusals.
import Testing
@testable import IPC

@Suite struct PacketBatchEnqueueTests {
    @Test func contiguousAndGenericFramesFillTheSameSlots() {
        var viaPointer = PacketBatch(slotSize: 64, capacity: 4)
        var viaGeneric = PacketBatch(slotSize: 64, capacity: 4)
        let frames: [[UInt8]] = [[1, 2, 3], [], (0..<64).map(UInt8.init), [9]]
        for frame in frames {
            let pointerTook = viaPointer.enqueue(frame[...])
            #expect(pointerTook)
            let genericTook = viaGeneric.enqueue(frame.lazy.map { $0 })  // no contiguous storage
            #expect(genericTook)
        }
        for (i, frame) in frames.enumerated() {
            #expect(Array(viaPointer.frame(i)) == frame)
            #expect(Array(viaGeneric.frame(i)) == Array(viaPointer.frame(i)))
        }
        #expect(viaPointer.storage == viaGeneric.storage)
        // Full, and a frame longer than a slot: refused on both paths.
        let tookWhenFull = viaPointer.enqueue([UInt8](repeating: 0, count: 1))
        #expect(!tookWhenFull)
        var oneMore = PacketBatch(slotSize: 64, capacity: 4)
        let tookLong = oneMore.enqueue([UInt8](repeating: 0, count: 65))
        #expect(!tookLong)
        let tookLongGeneric = oneMore.enqueue([UInt8](repeating: 0, count: 65).lazy.map { $0 })
        #expect(!tookLongGeneric)
    }

    @Test func aSliceFromTheMiddleOfAnArrayIsCopiedFromItsOwnStart() {
        var batch = PacketBatch(slotSize: 16, capacity: 2)
        let wire: [UInt8] = Array(0..<40)
        let firstTook = batch.enqueue(wire[10..<20])
        #expect(firstTook)
        let secondTook = batch.enqueue(wire[30..<40])
        #expect(secondTook)
        #expect(Array(batch.frame(0)) == Array(10..<20))
        #expect(Array(batch.frame(1)) == Array(30..<40))
    }
}
