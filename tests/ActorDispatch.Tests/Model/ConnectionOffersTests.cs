using ActorDispatch.Connections;

namespace ActorDispatch.Tests.Model;

public sealed class ConnectionOffersTests
{
    private readonly ConnectionOffers<string, string> _offers = new();

    private static ConnectionOffers<string, string>.Offer Offer(string registry, string connection) => new(registry, connection, connection);

    [Fact]
    public void The_first_registry_to_offer_is_active_until_it_withdraws_then_the_next_in_order()
    {
        Assert.True(_offers.Put(Offer("node1", "c1")));
        Assert.False(_offers.Put(Offer("node2", "c2")));
        Assert.False(_offers.Put(Offer("node3", "c3")));
        Assert.Equal("c1", _offers.Active!.Connection);

        Assert.False(_offers.Withdraw("node3"));
        Assert.True(_offers.Withdraw("node1"));
        Assert.Equal("c2", _offers.Active!.Connection);
        Assert.True(_offers.Withdraw("node2"));
        Assert.Null(_offers.Active);
        Assert.False(_offers.Withdraw("node2"));
    }

    [Fact]
    public void A_registry_that_offers_again_keeps_its_place_and_only_a_different_connection_is_a_change()
    {
        _offers.Put(Offer("node1", "c1"));
        _offers.Put(Offer("node2", "c2"));

        Assert.False(_offers.Put(Offer("node1", "c1"))); // the same offer again
        Assert.True(_offers.Put(Offer("node1", "c1b")));
        Assert.Equal("c1b", _offers.Active!.Connection);
        Assert.False(_offers.Put(Offer("node2", "c2b"))); // a waiting registry changed its connection
        Assert.Equal(2, _offers.Count);
        Assert.True(_offers.Contains("node2"));
    }
}
