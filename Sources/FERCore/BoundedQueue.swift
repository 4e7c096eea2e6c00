import Foundation

/// A bounded hand-off between one producer thread and its consumers.
public final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private let lock = NSCondition()
    private let capacity: Int
    private var closed = false

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Blocks while full. Returns false once the consumer has closed the queue.
    public func put(_ item: Element) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while items.count >= capacity && !closed { lock.wait() }
        if closed { return false }
        items.append(item)
        lock.broadcast()
        return true
    }

    /// Blocks while empty.
    public func take() -> Element {
        lock.lock()
        defer { lock.unlock() }
        while items.isEmpty { lock.wait() }
        let item = items.removeFirst()
        lock.broadcast()
        return item
    }

    /// Tells the producer to stop.
    public func close() {
        lock.lock()
        closed = true
        lock.broadcast()
        lock.unlock()
    }
}
