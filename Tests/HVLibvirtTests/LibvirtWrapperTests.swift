import Testing

@testable import HVLibvirt

/// The libvirt wrapper against the in-process test driver.
struct LibvirtWrapperTests {
    @Test func libvirtTestDriverAnswersThroughTheWrapper() throws {
        let c = try LibvirtConnection(uri: "test:///default")
        let doms = try c.listAllDomains()
        #expect(doms.map(\.name) == ["test"])
        #expect(doms[0].uuid.count == 36)
        let recs = try c.domainStats(nil, groups: .standard, noWait: true)
        #expect(recs.count == 1)
        #expect(recs[0].params["state.state"]?.int64 == 1)
        #expect(recs[0].uuid == doms[0].uuid)
        let xml = try doms[0].xmlDescription()
        #expect(try DomainDescription.parse(xml).interfaces.count == 1)
        #expect(try c.daemonVersion().split(separator: ".").count == 3)
    }

    @Test func badURIGivesLibvirtsMessage() {
        #expect {
            _ = try LibvirtConnection(uri: "nosuchdriver:///nothing")
        } throws: { error in
            guard let e = error as? LibvirtError else { return false }
            return e.call == "virConnectOpenReadOnly" && !e.message.isEmpty
        }
    }
}
