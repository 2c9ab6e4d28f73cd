enum DNS {
    /// The answer to a query (RFC 1035): one A record of `answer` for an A question, no record
    /// for any other type (so that a resolver asking AAAA too does not wait), and the name asked,
    /// for the log; nil for what is not one query.
    static func reply(to query: [UInt8], answer: [UInt8]) -> (bytes: [UInt8], what: String)? {
        guard query.count >= 17, query[2] & 0x80 == 0, query[4] == 0, query[5] == 1 else { return nil }
        var at = 12
        var labels: [String] = []
        while at < query.count, query[at] != 0 {
            let length = Int(query[at])
            guard length < 64, at + 1 + length < query.count else { return nil }
            labels.append(String(decoding: query[(at + 1)...(at + length)], as: UTF8.self))
            at += 1 + length
        }
        guard at + 5 <= query.count else { return nil }
        let question = Array(query[12...(at + 4)])
        let type = UInt16(query[at + 1]) << 8 | UInt16(query[at + 2])
        let isA = type == 1 && query[at + 3] == 0 && query[at + 4] == 1
        // the id, a response with the question's recursion-desired bit, recursion available, no error
        var reply = Array(query[0..<2]) + [0x80 | query[2] & 0x01, 0x80, 0, 1, 0, isA ? 1 : 0, 0, 0, 0, 0] + question
        if isA {
            // the name by a pointer to the question's, IN A, 60 s, four bytes
            reply += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + answer
        }
        let name = labels.joined(separator: ".")
        return (reply, isA ? " \(name) A" : " \(name) type \(type): no record")
    }
}
