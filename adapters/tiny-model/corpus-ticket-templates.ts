/** One kind of customer message: the labels it may go by and the sentences that express it. */
export interface TicketKind {
  labels: readonly string[];
  sentences: readonly string[];
}

/**
 * Customer messages for the routing tasks, in this project's own words. Each task shows a random
 * subset of kinds under one random label each, so no fixed label set is ever learned by heart.
 */
export const ticketKinds: readonly TicketKind[] = [
  {
    labels: ['payment', 'payments', 'billing', 'invoicing'],
    sentences: [
      'My card payment for order {order} failed but the money left my account.',
      'The invoice for {month} shows {price} instead of the usual amount.',
      'I paid {price} by bank transfer and the order still says unpaid.',
      'Can I pay for my subscription by invoice instead of card?',
      'The receipt for my last payment is missing our company address.',
      'Your website took the payment in euros although I chose pounds.',
    ],
  },
  {
    labels: ['delivery', 'shipping', 'logistics', 'courier'],
    sentences: [
      'Order {order} was due on {weekday} and still has not arrived.',
      'The courier left my {product} with a neighbour I do not know.',
      'Can you deliver to a pickup point in {city} instead of my home?',
      'The tracking page for {order} has not updated for {numberWord} days.',
      'My {product} went to {city2} instead of {city}.',
      'Only half of order {order} arrived, the {product} is missing.',
    ],
  },
  {
    labels: ['login', 'account_access', 'sign_in', 'access'],
    sentences: [
      'I cannot sign in since I changed my password on {weekday}.',
      'The reset email never reaches my inbox.',
      'The app says my username does not exist, but I have used it for years.',
      'I am stuck on the sign-in page after typing the six-digit code.',
      'My colleague {firstName} cannot log in to our shared workspace.',
    ],
  },
  {
    labels: ['refund', 'refunds', 'returns', 'money_back'],
    sentences: [
      'I sent the {product} back on {date} and I am still waiting for my money.',
      'Please refund order {order}, the {product} is {badAdjective}.',
      'How long does a refund to my card usually take?',
      'I want to return the {color} {product}, it is the wrong size.',
    ],
  },
  {
    labels: ['technical', 'tech_support', 'bug', 'defect'],
    sentences: [
      'The {softwareThing} {softwareFault} on my {device}.',
      'Since the last update the {softwareThing} {softwareFault}.',
      'Whenever I open the {softwareThing} it {softwareFault}.',
      'On my {device} the {softwareThing} {softwareFault}, but it works on my {device2}.',
    ],
  },
  {
    labels: ['suggestion', 'feature_idea', 'feedback', 'idea'],
    sentences: [
      'It would be nice if the {softwareThing} had a print option.',
      'Could you add a way to share the {softwareThing} with my team?',
      'Please think about a {color} theme for the {softwareThing}.',
      'I wish I could sort the {softwareThing} by date and by name.',
      'A shortcut to open the {softwareThing} from the home screen would save me time.',
    ],
  },
  {
    labels: ['cancellation', 'cancel', 'termination', 'churn'],
    sentences: [
      'I would like to cancel my subscription at the end of {month}.',
      'Please stop the automatic renewal on my plan.',
      'How do I end my contract before {date}?',
      'We are closing our office in {city}, so please end our membership.',
    ],
  },
  {
    labels: ['product_question', 'sales', 'presales', 'product_info'],
    sentences: [
      'Does the {product} come in {color}?',
      'Is the {product} in stock at your {city} shop?',
      'What is the warranty on the {product}?',
      'Is there a discount if we buy {numberWord} of the {product} at once?',
    ],
  },
];

/** Ways a customer opens a message; empty means straight to the point. */
export const ticketOpenings = ['', '', 'Hello,', 'Hi there,', 'Dear support,', 'Good afternoon,', 'Hello {company},', 'Hi, this is {firstName}.'];

/** Ways a customer closes a message; empty means no closing line. */
export const ticketClosings = ['', '', 'Thank you.', 'Regards, {firstName}', 'Thanks, {firstName}', 'I hope you can sort this out.', 'Any help is appreciated.', 'Order {order}, in case you need it.'];
