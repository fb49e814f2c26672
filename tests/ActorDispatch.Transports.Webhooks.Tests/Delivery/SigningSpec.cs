using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>Standard Webhooks signatures, checked by the receiver with an independent implementation.</summary>
public sealed class SigningSpec(ITestOutputHelper output) : WebhookSpec(output)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Theory]
    [InlineData(Secret)]
    [InlineData("just a passphrase, long enough")]
    public async Task Every_request_is_signed_and_verifies(string secret)
    {
        await SubscribeAsync($$"""{"url":"{url}","secret":"{{secret}}"}""");
        var events = await AppendAsync(3);

        var requests = await Receiver.WaitForAsync(3);
        Assert.All(requests, r => Assert.True(StandardWebhooksVerifier.Verify(secret, r), $"signature of {r.Text} does not verify"));
        Assert.Equal(events.Select(e => e.Id.ToString()), requests.Select(r => r.Header("webhook-id")));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(requests, r => Assert.InRange(long.Parse(r.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture), now - 60, now + 5));
        Assert.False(StandardWebhooksVerifier.Verify(secret.StartsWith("whsec_", StringComparison.Ordinal) ? "whsec_b3RoZXIga2V5" : secret + "x", requests[0]));
        await AwaitOffsetAsync(3);
    }

    [Fact]
    public async Task Webhook_id_is_the_same_for_every_retry_of_a_delivery()
    {
        var calls = 0;
        Receiver.Handler = (_, ctx) =>
        {
            if (Interlocked.Increment(ref calls) <= 2) ctx.Response.StatusCode = 503;
            return Task.CompletedTask;
        };
        await SubscribeAsync($$$"""{"url":"{url}","secret":"{{{Secret}}}","retry":{"count":3,"initialDelay":"5ms","maxDelay":"10ms"}}""");
        var events = await AppendAsync(1);

        await AwaitOffsetAsync(1);
        var requests = Receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(events[0].Id.ToString(), r.Header("webhook-id")));
        Assert.All(requests, r => Assert.True(StandardWebhooksVerifier.Verify(Secret, r)));
    }

    [Fact]
    public async Task Batch_requests_are_signed_under_the_batch_id()
    {
        await AppendAsync(3);
        await SubscribeAsync($$"""{"url":"{url}","secret":"{{Secret}}"}""", batch: true, batchSize: 3);

        var request = (await Receiver.WaitForAsync(1))[0];
        Assert.True(StandardWebhooksVerifier.Verify(Secret, request));
        Assert.True(Guid.TryParse(request.Header("webhook-id"), out _));
        await AwaitOffsetAsync(3);
    }
}
