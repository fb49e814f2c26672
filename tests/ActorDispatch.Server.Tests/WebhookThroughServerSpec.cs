using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

[Collection(nameof(ServerCollection))]
public sealed class WebhookThroughServerSpec(ServerFixture server)
{
    [Fact]
    public async Task A_webhook_subscription_created_over_REST_posts_each_event_to_its_url_and_commits_the_offset()
    {
        var received = new BlockingCollection<JsonNode>();
        await using var receiver = await LocalReceiver.StartAsync(received.Add);
        var url = receiver.Url;

        var ns = NewNamespace();
        var created = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{url}}}"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""[{"type":"a","data":{"n":1}},{"type":"b","data":{"n":2}}]"""));

        Assert.True(received.TryTake(out var first, TimeSpan.FromSeconds(15)));
        Assert.True(received.TryTake(out var second, TimeSpan.FromSeconds(15)));
        Assert.Equal([1, 2], new[] { (int)first!["n"]!, (int)second!["n"]! }); // withData: the payload is the body
        await AssertEventually(async () =>
        {
            var status = await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/hook?fetchstatus=true"));
            return (long)status["status"]!["currentOffset"]! == 2;
        });
    }

    [Fact]
    public async Task A_webhook_secret_and_header_values_never_come_back_from_any_route_and_a_short_secret_is_refused()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", header = "Bearer top-secret-value";
        var ns = NewNamespace();
        var body = $$$$"""{"name":"hook","transport":"webhooks","options":{"url":"http://127.0.0.1:9/hook","secret":"{{{{secret}}}}","headers":{"Authorization":"{{{{header}}}}"}}}""";
        var answers = new List<string>
        {
            await (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body(body))).Content.ReadAsStringAsync(),
            await server.Http.GetStringAsync($"/api/v1/namespaces/{ns}/subscriptions/hook?fetchstatus=true"),
            await server.Http.GetStringAsync($"/api/v1/namespaces/{ns}/subscriptions"),
        };
        // Saved back as read: the masked values keep the stored ones.
        var read = await server.Http.GetStringAsync($"/api/v1/namespaces/{ns}/subscriptions/hook");
        var put = await server.Http.PutAsync($"/api/v1/namespaces/{ns}/subscriptions", Body(read));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        answers.Add(await put.Content.ReadAsStringAsync());

        Assert.All(answers, a => Assert.DoesNotContain("MfKQ9r8G", a));
        Assert.All(answers, a => Assert.DoesNotContain("top-secret", a));
        Assert.All(answers, a => Assert.Contains("\"secret\":\"********\"", a));
        Assert.All(answers, a => Assert.Contains("\"Authorization\":\"********\"", a));

        await AssertError(await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body("""{"name":"weak","transport":"webhooks","options":{"url":"http://127.0.0.1:9/hook","secret":"short"}}""")), 400, "'options.secret'");
    }

    private static async Task AssertEventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15s");
            await Task.Delay(100);
        }
    }
}
