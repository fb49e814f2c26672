using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>Responses appended as reply events, and the loop guard that keeps replies from reply webhooks.</summary>
public sealed class ReplySpec(ITestOutputHelper output) : WebhookSpec(output)
{
    private void Answer(string contentType, string body) => Receiver.Handler = async (_, ctx) =>
    {
        ctx.Response.StatusCode = 201;
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers["X-Receiver"] = "r1";
        await ctx.Response.WriteAsync(body);
    };

    private async Task<Event> ReplyToAsync(Guid original)
    {
        Event? reply = null;
        await AwaitAssertAsync(async () =>
        {
            var events = await Engine.ReadEventsAsync(Ns, 1, 100);
            reply = Assert.Single(events, e => e.Correlator == original);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        return reply!;
    }

    [Fact]
    public async Task Json_response_is_appended_as_a_reply_event_correlated_to_the_original()
    {
        Answer("application/json", """{"accepted":true,"ref":"A-1"}""");
        var tx = Guid.NewGuid();
        await SubscribeAsync($$"""{"url":"{url}","reply":true,"replytag":"answers","replytx":"{{tx}}"}""");
        var original = (await AppendAsync(1))[0];

        var reply = await ReplyToAsync(original.Id);
        Assert.Equal(WebhooksTransport.ReplyEventType, reply.Type);
        Assert.Equal("orders", reply.Topic);
        Assert.Equal("answers", reply.Tag);
        Assert.Equal(tx, reply.Tx);
        var data = reply.Data!.Value;
        Assert.Equal(201, data.GetProperty("status").GetInt32());
        Assert.Equal("r1", data.GetProperty("headers").GetProperty("X-Receiver").GetString());
        Assert.Equal("A-1", data.GetProperty("body").GetProperty("ref").GetString());
    }

    [Fact]
    public async Task Non_json_response_body_is_appended_base64()
    {
        Answer("text/plain", "thanks, got it");
        await SubscribeAsync("""{"url":"{url}","reply":true}""");
        var original = (await AppendAsync(1))[0];

        var body = (await ReplyToAsync(original.Id)).Data!.Value.GetProperty("body");
        Assert.Equal("thanks, got it", Encoding.UTF8.GetString(body.GetBytesFromBase64()));
    }

    [Fact]
    public async Task Json_option_parses_a_body_of_another_content_type()
    {
        Answer("text/plain", """{"parsed":[1,2,3]}""");
        await SubscribeAsync("""{"url":"{url}","reply":true,"json":true}""");
        var original = (await AppendAsync(1))[0];

        var body = (await ReplyToAsync(original.Id)).Data!.Value.GetProperty("body");
        Assert.Equal(JsonValueKind.Array, body.GetProperty("parsed").ValueKind);
    }

    [Fact]
    public async Task A_reply_event_is_acked_without_being_sent_to_a_reply_webhook()
    {
        Answer("application/json", "{}");
        await SubscribeAsync("""{"url":"{url}","reply":true}""");
        await AppendAsync(1);

        // Event 1 is sent and its reply appended as event 2, which the same subscription acks unsent.
        await AwaitOffsetAsync(2);
        var request = Assert.Single(Receiver.Requests);
        Assert.Equal(1, request.Number);
        Assert.Equal(2, await Engine.GetHeadAsync(Ns));
    }

    [Fact]
    public async Task Reply_events_do_reach_webhooks_without_reply()
    {
        Answer("application/json", """{"n":99}""");
        await SubscribeAsync("""{"url":"{url}","reply":true}""", name: "replier");
        await SubscribeAsync("""{"url":"{url}"}""".Replace("{url}", Receiver.Url("/observer"), StringComparison.Ordinal), withData: false, name: "observer");
        await AppendAsync(1);

        var observed = await Receiver.WaitForAsync(2, where: r => r.Path == "/observer");
        Assert.Equal([WebhooksTransport.ReplyEventType], observed.Select(r => r.Json.GetProperty("type").GetString()).Where(t => t != "order_created"));
        await AwaitOffsetAsync(2, "replier");
    }
}
