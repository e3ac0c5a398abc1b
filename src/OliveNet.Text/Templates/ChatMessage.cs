namespace OliveNet.Text.Templates;

/// <summary>One message of a conversation, as chat templates read it (<c>message.role</c>, <c>message.content</c>).</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text of the message.</param>
public sealed record ChatMessage(string Role, string Content);
