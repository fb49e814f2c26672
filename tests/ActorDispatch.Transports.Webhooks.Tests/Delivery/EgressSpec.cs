using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>
/// The egress policy at connect time, with loopback not allowed: a name that resolves to loopback is
/// never connected to and nothing is acked. Only loopback is involved, and only refused.
/// </summary>
public sealed class EgressSpec(ITestOutputHelper output)
    : WebhookSpec(output, hocon: """actordispatch.transports.webhooks.egress-allow = "" """)
{
    [Fact]
    public async Task A_name_that_resolves_to_a_refused_address_is_never_connected_to_and_nothing_is_acked()
    {
        await Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "hook", Transport = WebhooksTransport.TransportName,
            Options = Options($$$"""{"url":"http://localhost:{{{Receiver.Port}}}/hook","retry":{"count":0}}""") with { FirstEvent = "oldest" },
        });
        await AppendAsync(1);

        // Attempted and failed, more than once: yet the receiver, listening there, saw nothing.
        await AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "hook")).Redelivered >= 1),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Empty(Receiver.Requests);
        Assert.Equal(0, await OffsetAsync());
    }
}

/// <summary>Redirects are never followed: a 3xx is a failed delivery, and its Location is not visited.</summary>
public sealed class RedirectSpec(ITestOutputHelper output) : WebhookSpec(output)
{
    [Fact]
    public async Task A_redirect_is_not_followed_and_fails_the_delivery()
    {
        Receiver.Handler = (request, ctx) =>
        {
            if (request.Path == "/hook")
            {
                ctx.Response.StatusCode = StatusCodes.Status302Found;
                ctx.Response.Headers.Location = Receiver.Url("/elsewhere");
            }
            return Task.CompletedTask;
        };
        await Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "hook", Transport = WebhooksTransport.TransportName,
            Options = Options("""{"url":"{url}","retry":{"count":0}}""") with { FirstEvent = "oldest", MaxDeliveries = 2 },
        });
        await AppendAsync(1);

        await AwaitAssertAsync(async () => Assert.Single(await Engine.GetParkedEventsAsync(Ns, "hook")), TimeSpan.FromSeconds(10));
        Assert.Contains("302", (await Engine.GetParkedEventsAsync(Ns, "hook"))[0].Reason);
        Assert.All(Receiver.Requests, r => Assert.Equal("/hook", r.Path));
        Assert.Equal(2, Receiver.Requests.Count);
    }
}
