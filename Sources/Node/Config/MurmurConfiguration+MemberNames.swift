extension MurmurConfiguration {
    /// The node's member name: `node.name`, or `node-<port>` where port is the bound gossip port
    /// (pass it when `gossip.bind` asked for port 0), else `gossip.bind`'s port.
    func nodeName(gossipPort: UInt16? = nil) -> String {
        node.name.isEmpty ? "node-\(gossipPort ?? gossip.bind.port)" : node.name
    }

    /// The gateway's member name: `gateway.name`, or `gateway-<port>` as for `nodeName`.
    func gatewayName(gossipPort: UInt16? = nil) -> String {
        gateway.name.isEmpty ? "gateway-\(gossipPort ?? gossip.bind.port)" : gateway.name
    }
}
