/// Which side of a table cell the text sits on.
enum TextAlignment: Hashable, Sendable {
    case left
    case right
}
