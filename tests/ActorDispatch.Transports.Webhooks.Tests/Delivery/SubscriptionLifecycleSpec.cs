using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>Options validated through the engine at create, and redefinitions taking effect at once.</summary>
public sealed class SubscriptionLifecycleSpec(ITestOutputHelper output) : WebhookSpec(output)
{
    [Theory]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url":"ftp://127.0.0.1/x"}""", "url")]
    [InlineData("""{"url":"{url}","bogus":true}""", "bogus")]
    [InlineData("""{"url":"{url}","retry":{"count":-1}}""", "retry.count")]
    [InlineData("""{"url":"{url}","retry":{"initialDelay":"soon"}}""", "retry.initialDelay")]
    [InlineData("""{"url":"{url}","httpOptions":{"requestTimeout":"later"}}""", "httpOptions.requestTimeout")]
    [InlineData("""{"url":"{url}","method":7}""", "method")]
    [InlineData("""{"url":"{url}","reply":true,"fastack":true}""", "fastack")]
    public async Task Create_refuses_bad_options_naming_the_option(string options, string option)
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => SubscribeAsync(options));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Contains($"'options.{option}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_refuses_an_unknown_nested_option_naming_at_least_its_parent()
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => SubscribeAsync("""{"url":"{url}","retry":{"tries":3}}"""));
        Output?.WriteLine(ex.Message);
        Assert.Contains("'options.retry", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_subscription_leaves_no_sending_state_behind()
    {
        await SubscribeAsync("""{"url":"{url}"}""");
        await AppendAsync(1);
        await AwaitOffsetAsync(1);
        Assert.Equal(1, Transport.Lanes);

        Assert.True(await Engine.DeleteSubscriptionAsync(Ns, "hook"));

        await AwaitAssertAsync(() => Assert.Equal(0, Transport.Lanes));
    }

    [Fact]
    public async Task WithData_is_stored_as_true_unless_set()
    {
        Assert.True((await SubscribeAsync("""{"url":"{url}"}""", name: "a")).Options.WithData);
        Assert.False((await SubscribeAsync("""{"url":"{url}"}""", withData: false, name: "b")).Options.WithData);
        Assert.True((await Engine.GetSubscriptionAsync(Ns, "a"))!.Options.WithData);
    }

    [Fact]
    public async Task An_updated_subscription_sends_to_its_new_url_from_its_committed_offset()
    {
        await SubscribeAsync("""{"url":"{url}"}""");
        await AppendAsync(2);
        await AwaitOffsetAsync(2);

        await Engine.UpsertSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = "hook",
            Transport = WebhooksTransport.TransportName,
            Options = Options("""{"url":"NEW"}""".Replace("NEW", Receiver.Url("/moved"), StringComparison.Ordinal)) with { FirstEvent = "oldest" },
        });

        // The engine acknowledges an update before its dispatcher has switched to the new definition, so an
        // event appended at once may still go to the old URL: append until one reaches the new URL.
        var next = 3;
        await AwaitAssertAsync(async () =>
        {
            await AppendAsync(1, first: next++);
            await Receiver.WaitForAsync(1, TimeSpan.FromSeconds(1), where: r => r.Path == "/moved");
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(10));
        var head = next - 1;
        await AwaitOffsetAsync(head);

        // From the first request to the new URL on, nothing goes to the old one, and nothing is skipped.
        var requests = Receiver.Requests;
        var firstMoved = requests.ToList().FindIndex(r => r.Path == "/moved");
        Assert.All(requests.Skip(firstMoved), r => Assert.Equal("/moved", r.Path));
        Assert.Equal(Enumerable.Range(1, head).Select(n => (long)n), requests.Select(r => r.Number).Distinct().Order());
    }

    [Fact]
    public async Task A_deleted_subscription_stops_sending()
    {
        await SubscribeAsync("""{"url":"{url}"}""");
        await AppendAsync(1);
        await AwaitOffsetAsync(1);

        Assert.True(await Engine.DeleteSubscriptionAsync(Ns, "hook"));
        await SubscribeAsync("""{"url":"{url}"}""".Replace("{url}", Receiver.Url("/other"), StringComparison.Ordinal), name: "other");
        await AppendAsync(1, first: 2);

        // The other subscription gets both events; the deleted one sends nothing more.
        await Receiver.WaitForAsync(2, where: r => r.Path == "/other");
        Assert.Single(Receiver.Requests, r => r.Path == "/hook");
    }
}
