using System.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>Nacks with a delay and maxDeliveries over the socket.</summary>
public sealed class DeliveryControlSpec(WebSocketServer server) : WebSocketSpec(server), IClassFixture<WebSocketServer>
{
    private static Task NackAsync(TestClient client, System.Text.Json.JsonElement delivery, object? delay = null) => client.SendAsync(new
    {
        type = "nack",
        id = delivery.GetProperty("id").GetString(),
        subscription = new { id = delivery.GetProperty("subscription").GetProperty("id").GetString() },
        delay,
    });

    [Fact]
    public async Task A_nack_with_a_delay_is_redelivered_no_sooner_than_that()
    {
        await CreateAsync("later");
        await using var client = await AttachAsync("later");
        await AppendAsync(1);

        var first = await client.ReceiveEventAsync(1);
        var clock = Stopwatch.StartNew();
        await NackAsync(client, first, delay: "800ms");
        var again = await client.ReceiveEventAsync(1);
        Assert.True(clock.ElapsedMilliseconds >= 790, $"redelivered after {clock.ElapsedMilliseconds} ms");
        await client.AckAsync(again);
        await AwaitOffsetAsync("later", 1);
    }

    [Fact]
    public async Task An_event_nacked_maxDeliveries_times_is_parked_and_the_next_one_comes()
    {
        await CreateAsync("poison", options: new SubscriptionOptions { MaxDeliveries = 2 });
        await using var client = await AttachAsync("poison");
        await AppendAsync(2);

        await NackAsync(client, await client.ReceiveEventAsync(1));
        await NackAsync(client, await client.ReceiveEventAsync(1));
        await client.AckAsync(await client.ReceiveEventAsync(2));

        await AwaitOffsetAsync("poison", 2);
        var parked = Assert.Single(await Dispatch.GetParkedEventsAsync(Ns, "poison"));
        Assert.Equal((1L, 2), (parked.Sequence, parked.Deliveries));
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task A_nack_whose_delay_is_not_a_duration_is_a_protocol_error_naming_the_field()
    {
        await CreateAsync("typo");
        await using var client = await AttachAsync("typo");
        await AppendAsync(1);

        await NackAsync(client, await client.ReceiveEventAsync(1), delay: "soonish");
        var error = await client.ExpectProtocolErrorAsync("AD10302");
        Assert.Contains("'delay'", error);
    }
}
