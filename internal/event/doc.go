// Package event holds what the supervisor, the HTTP front and the dashboard tell each
// other: an Event is one thing that happened to an app (or to the whole site), and a Bus
// fans events out to subscribers without ever blocking the publisher.
package event
