using System.Net.WebSockets;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>
/// Each protocol error is reported as <c>protocol_error</c> and ends that connection only: other
/// connections keep working, and nothing committed is lost (the offending connection's subscription
/// resumes after its committed offset).
/// </summary>
public sealed class ProtocolErrorSpec(WebSocketServer server) : WebSocketSpec(server), IClassFixture<WebSocketServer>
{
    [Theory]
    [InlineData("invalid JSON", "AD10300")]
    [InlineData("not an object", "AD10300")]
    [InlineData("unknown type", "AD10301")]
    [InlineData("start without namespace", "AD10302")]
    [InlineData("start for an unknown subscription", "AD10303")]
    [InlineData("start for another transport's subscription", "AD10304")]
    [InlineData("ack without id with nothing in flight", "AD10305")]
    [InlineData("ack naming a subscription not started here", "AD10306")]
    [InlineData("changed autoack", "AD10307")]
    [InlineData("oversize frame", "AD10308")]
    [InlineData("invalid filter in an ephemeral start", "AD10101")]
    public async Task A_protocol_error_ends_that_connection_only_and_loses_nothing_committed(string error, string code)
    {
        await CreateAsync("victim");
        await CreateAsync("bystander");
        await CreateAsync("elsewhere", transport: "system");
        var leaveOneInFlight = error != "ack without id with nothing in flight";

        await using var bystander = await AttachAsync("bystander");
        await using var offender = await AttachAsync("victim");
        await AppendAsync(1);
        await offender.ReceiveAndAckAsync(1);
        await bystander.ReceiveAndAckAsync(1);
        if (leaveOneInFlight)
        {
            await AppendAsync(1);
            await offender.ReceiveEventAsync(2);
            await bystander.ReceiveAndAckAsync(2);
        }
        await AwaitOffsetAsync("victim", 1);

        await SendOffendingFrameAsync(offender, error);
        await offender.ExpectProtocolErrorAsync(code, error == "oversize frame" ? WebSocketCloseStatus.MessageTooBig : WebSocketCloseStatus.PolicyViolation);

        // The other connection carries on.
        await AppendAsync(1);
        var next = leaveOneInFlight ? 3 : 2;
        await bystander.ReceiveAndAckAsync(next);
        await AwaitOffsetAsync("bystander", next);

        // The subscription resumes after its committed offset: 1 acked stays acked, 2 comes (again).
        Assert.Equal(1, await OffsetAsync("victim"));
        await using var resumed = await AttachAsync("victim");
        await resumed.ReceiveAndAckAsync(Enumerable.Range(2, next - 1).Select(i => (long)i).ToArray());
        await AwaitOffsetAsync("victim", next);
    }

    private Task SendOffendingFrameAsync(TestClient client, string error) => error switch
    {
        "invalid JSON" => client.SendTextAsync("{\"type\":\"ack\","),
        "not an object" => client.SendTextAsync("[\"ack\"]"),
        "unknown type" => client.SendAsync(new { type = "subscribe", @namespace = Ns, name = "victim" }),
        "start without namespace" => client.SendAsync(new { type = "start", name = "victim" }),
        "start for an unknown subscription" => client.SendAsync(new { type = "start", @namespace = Ns, name = "nope" }),
        "start for another transport's subscription" => client.SendAsync(new { type = "start", @namespace = Ns, name = "elsewhere" }),
        "ack without id with nothing in flight" => client.SendAsync(new { type = "ack" }),
        "ack naming a subscription not started here" => client.SendAsync(new { type = "ack", subscription = new { @namespace = Ns, name = "bystander" } }),
        "changed autoack" => client.SendAsync(new { type = "start", @namespace = Ns, name = "bystander", autoack = true }),
        "oversize frame" => client.SendTextAsync("\"" + new string('x', 1024 * 1024) + "\""),
        "invalid filter in an ephemeral start" => client.SendAsync(new { type = "start", @namespace = Ns, ephemeral = true, filter = new { events = "([" } }),
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    };

    [Fact]
    public async Task An_invalid_auto_start_query_is_a_protocol_error_after_the_upgrade()
    {
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&filter.colour=red");
        var error = await client.ExpectProtocolErrorAsync("AD10302");
        Assert.Contains("filter.colour", error);
    }

    [Fact]
    public async Task An_auto_start_for_an_unknown_subscription_is_a_protocol_error()
    {
        await using var client = await ConnectAsync($"?namespace={Ns}&name=missing");
        await client.ExpectProtocolErrorAsync("AD10303");
    }
}
