using ActorDispatch.Model;
using Microsoft.AspNetCore.Diagnostics;

namespace ActorDispatch.Server.Api;

/// <summary>
/// Turns exceptions into docs/protocol.md's error body <c>{"error":"AD1xxxx: ..."}</c> with the matching
/// status. Bad input is never a 500; only a genuine fault is.
/// </summary>
internal static class ErrorResponses
{
    /// <summary>AD10120 for <paramref name="what"/> ("the request body", "the message") over <c>ActorDispatch:MaxBodySize</c>.</summary>
    public static string BodyTooLarge(string what, long? limit = null) =>
        $"AD10120: {what} is larger than the server's limit (ActorDispatch:MaxBodySize{(limit is { } bytes ? $", {bytes} bytes" : "")})";
    public const string InternalError = "AD10500: internal error; see the server log";

    public static IResult Error(int status, string message) =>
        Results.Json(new ErrorBody(message), ActorDispatchJson.Options, statusCode: status);

    public static IResult From(ActorDispatchException ex) => Error(StatusFor(ex.Kind), ex.Message);

    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The exception handler of the pipeline: everything not answered by an endpoint ends here.</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        var ex = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var result = ex switch
        {
            ActorDispatchException ade => From(ade),
            HttpProblem problem => Error(problem.StatusCode, problem.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Error(StatusCodes.Status413PayloadTooLarge, BodyTooLarge("the request body")),
            BadHttpRequestException bad => Error(bad.StatusCode, $"AD10121: bad request: {bad.Message}"),
            _ => Error(StatusCodes.Status500InternalServerError, InternalError),
        };
        // The one log line of a failed request: a fault with its cause (a store's own words stay
        // here, never in the answer), a refusal only at Debug.
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorDispatch.Server");
        if (result is IStatusCodeHttpResult { StatusCode: >= 500 })
            logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
        else
            logger.LogDebug("{Method} {Path} refused: {Error}", context.Request.Method, context.Request.Path, ex?.Message);
        await result.ExecuteAsync(context);
    }

    private sealed record ErrorBody(string Error);
}

/// <summary>An HTTP-level refusal that has no engine error kind (e.g. 415), with its message.</summary>
internal sealed class HttpProblem(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
