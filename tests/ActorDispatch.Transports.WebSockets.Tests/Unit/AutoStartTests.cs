using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorDispatch.Transports.WebSockets.Tests.Unit;

public sealed class AutoStartTests
{
    private static StartMessage? FromQuery(string query) => AutoStart.FromQuery(new QueryCollection(QueryHelpers.ParseQuery(query)));

    [Fact]
    public void A_query_without_name_or_ephemeral_starts_nothing()
    {
        Assert.Null(FromQuery("?namespace=default&autoack"));
    }

    [Fact]
    public void Name_and_namespace_start_a_durable_subscription_with_autoack_off()
    {
        Assert.Equal(new StartMessage { Namespace = "default", Name = "app1", AutoAck = false }, FromQuery("?name=app1&namespace=default"));
    }

    [Theory]
    [InlineData("?ephemeral&namespace=n", true)]
    [InlineData("?ephemeral=&namespace=n", true)]
    [InlineData("?ephemeral=true&namespace=n", true)]
    [InlineData("?ephemeral=false&namespace=n&name=app1", false)]
    [InlineData("?ephemeral=FALSE&namespace=n&name=app1", false)]
    public void Ephemeral_is_a_flag_true_unless_false(string query, bool ephemeral)
    {
        Assert.Equal(ephemeral, FromQuery(query)!.Ephemeral);
    }

    [Theory]
    [InlineData("?name=a&namespace=n&autoack", true)]
    [InlineData("?name=a&namespace=n&autoack=true", true)]
    [InlineData("?name=a&namespace=n&autoack=false", false)]
    public void Autoack_is_a_flag(string query, bool autoAck)
    {
        Assert.Equal(autoAck, FromQuery(query)!.AutoAck);
    }

    [Fact]
    public void Every_filter_form_maps_to_the_subscription_filter()
    {
        var start = FromQuery("?ephemeral&namespace=n&filter.events=^a&filter.topic=t&filter.message.tag=g&filter.message.author=me&filter.group=grp&filter.transaction.type=tx");
        Assert.Equal(new SubscriptionFilter { Events = "^a", Topic = "t", Tag = "g", Author = "me", Group = "grp", TransactionType = "tx" }, start!.Filter);
        Assert.Equal(new SubscriptionFilter { Tag = "x", Author = "y", Topic = "z" }, FromQuery("?ephemeral&namespace=n&filter.tag=x&filter.author=y&filter.topics=z")!.Filter);
    }

    [Fact]
    public void Extension_options_apply_to_ephemeral_subscriptions()
    {
        var start = FromQuery("?ephemeral&namespace=n&readahead=25&firstevent=oldest&withdata=true&changeevents=.*");
        Assert.Equal(new SubscriptionOptions { ReadAhead = 25, FirstEvent = "oldest", WithData = true }, start!.Options);
        Assert.Equal(".*", start.ChangeEvents);
    }

    [Fact]
    public void A_durable_auto_start_ignores_ephemeral_filters_and_options()
    {
        var start = FromQuery("?name=app1&namespace=n&filter.events=x&readahead=3");
        Assert.Equal(SubscriptionFilter.Empty, start!.Filter);
        Assert.Equal(SubscriptionOptions.Empty, start.Options);
    }

    [Theory]
    [InlineData("?ephemeral&namespace=n&filter.colour=red", "AD10302: invalid 'filter.colour'")]
    [InlineData("?ephemeral&namespace=n&readahead=lots", "AD10302: invalid 'readahead'")]
    [InlineData("?ephemeral&namespace=n&readahead=-1", "AD10302: invalid 'readahead'")]
    public void Invalid_query_values_are_protocol_errors(string query, string expected)
    {
        Assert.StartsWith(expected, Assert.Throws<ProtocolException>(() => FromQuery(query)).Message);
    }
}
