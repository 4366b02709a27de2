/**
 * Word lists for the generated pretraining corpus, keyed by the slot name that templates use
 * (`{firstName}`, `{city}`…). All written for this project; everyday English of shops, offices and software.
 */
export const corpusWords = {
  firstName: [
    'Anna', 'Ben', 'Carla', 'David', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Nora',
    'Omar', 'Priya', 'Quinn', 'Rosa', 'Samuel', 'Tara', 'Uma', 'Victor', 'Wendy', 'Yusuf', 'Zoe', 'Adam', 'Beatriz', 'Chen',
    'Daniel', 'Eva', 'Felix', 'Hannah', 'Ivan', 'Julia', 'Kofi', 'Lucia', 'Marco', 'Nadia', 'Oscar', 'Paula', 'Rahul', 'Sofia',
    'Tom', 'Vera', 'Will', 'Amir', 'Clara', 'Emma', 'Leo', 'Mia',
  ],
  lastName: [
    'Adams', 'Brown', 'Costa', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Khan', 'Larsen', 'Meyer',
    'Novak', 'Okafor', 'Patel', 'Reyes', 'Silva', 'Tanaka', 'Umar', 'Varga', 'Walsh', 'Young', 'Zimmer', 'Moreau', 'Lindqvist',
    'Rossi', 'Nowak', 'Haddad', 'Park', 'Owens', 'Baker', 'Carter', 'Ford', 'Grant', 'Hill',
  ],
  city: [
    'Lisbon', 'Madrid', 'Paris', 'Rome', 'Vienna', 'Prague', 'Warsaw', 'Oslo', 'Dublin', 'London', 'Leeds', 'Glasgow', 'Boston',
    'Denver', 'Austin', 'Seattle', 'Toronto', 'Chicago', 'Lima', 'Bogota', 'Nairobi', 'Accra', 'Cairo', 'Dubai', 'Mumbai',
    'Delhi', 'Tokyo', 'Osaka', 'Seoul', 'Sydney', 'Perth', 'Auckland', 'Hamburg', 'Munich', 'Zurich', 'Milan', 'Porto',
    'Athens', 'Helsinki', 'Copenhagen',
  ],
  company: [
    'Northwind Tools', 'Bluebell Foods', 'Kestrel Labs', 'Orchard Market', 'Harbor Logistics', 'Pinecone Software',
    'Silverline Travel', 'Maple Home', 'Brightpath Learning', 'Copperleaf Bank', 'Riverstone Clinic', 'Sunfield Energy',
    'Tidewater Books', 'Granite Studio', 'Lumen Analytics', 'Fernway Garden',
  ],
  product: [
    'laptop', 'phone case', 'coffee maker', 'desk lamp', 'backpack', 'water bottle', 'keyboard', 'monitor', 'printer',
    'blender', 'rain jacket', 'pair of boots', 'tea kettle', 'office chair', 'notebook', 'camera', 'speaker', 'tablet',
    'charger', 'mouse', 'toaster', 'frying pan', 'bookshelf', 'bike helmet', 'yoga mat', 'wall clock', 'suitcase',
    'smart watch', 'headset', 'vacuum cleaner', 'garden hose', 'sofa cushion',
  ],
  softwareThing: [
    'dashboard', 'search bar', 'export button', 'settings page', 'sign-in page', 'calendar view', 'report builder',
    'file upload', 'chat window', 'inbox', 'project board', 'mobile app', 'desktop app', 'browser extension', 'invoice page',
    'team directory', 'notification panel', 'photo gallery', 'checkout form', 'profile page',
  ],
  softwareFault: [
    'crashes on start', 'shows a blank screen', 'loads very slowly', 'logs me out every hour', 'freezes after a minute',
    'shows the wrong totals', 'does not save my changes', 'keeps spinning forever', 'displays garbled text', 'ignores my clicks',
  ],
  device: ['phone', 'tablet', 'laptop', 'work computer', 'old desktop', 'new tablet', 'Chromebook', 'home computer'],
  color: ['red', 'blue', 'green', 'black', 'white', 'grey', 'yellow', 'orange', 'purple', 'brown', 'pink', 'silver'],
  weekday: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  month: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  season: ['spring', 'summer', 'autumn', 'winter'],
  timeOfDay: ['in the morning', 'at noon', 'in the afternoon', 'in the evening', 'late at night', 'before lunch', 'after dinner'],
  goodAdjective: [
    'great', 'excellent', 'lovely', 'reliable', 'sturdy', 'comfortable', 'fast', 'quiet', 'beautiful', 'useful', 'well made',
    'easy to use', 'perfect', 'wonderful', 'solid', 'handy',
  ],
  badAdjective: [
    'terrible', 'flimsy', 'noisy', 'slow', 'broken', 'useless', 'uncomfortable', 'cheap looking', 'disappointing', 'awful',
    'faulty', 'hard to use', 'scratched', 'unreliable',
  ],
  plainAdjective: ['normal', 'standard', 'ordinary', 'average', 'simple', 'basic', 'typical', 'regular'],
  food: [
    'soup', 'pasta', 'rice', 'bread', 'salad', 'curry', 'pizza', 'noodles', 'pancakes', 'apple pie', 'tomato sauce', 'lentil stew',
    'grilled fish', 'roast chicken', 'cheese sandwich', 'fruit salad', 'porridge', 'chocolate cake',
  ],
  vegetable: ['onions', 'carrots', 'garlic', 'peppers', 'tomatoes', 'mushrooms', 'potatoes', 'leeks', 'courgettes', 'spinach'],
  ingredient: ['garlic', 'onions', 'butter', 'flour', 'sugar', 'salt', 'olive oil', 'lemon', 'basil', 'pepper', 'eggs', 'milk', 'carrots', 'beans'],
  sport: ['football', 'tennis', 'basketball', 'cycling', 'swimming', 'running', 'volleyball', 'rowing', 'hockey', 'climbing'],
  instrument: ['piano', 'guitar', 'violin', 'drums', 'flute', 'cello', 'trumpet', 'saxophone'],
  animal: ['dog', 'cat', 'rabbit', 'parrot', 'horse', 'hamster', 'goldfish', 'tortoise'],
  transport: ['train', 'bus', 'flight', 'ferry', 'taxi', 'tram', 'night bus', 'coach'],
  place: ['hotel', 'museum', 'park', 'beach', 'market', 'station', 'airport', 'library', 'cafe', 'gallery', 'harbour', 'old town'],
  officeThing: ['meeting', 'quarterly review', 'project review', 'team lunch', 'training session', 'client call', 'planning session', 'workshop'],
  department: ['sales', 'finance', 'marketing', 'support', 'engineering', 'legal', 'design', 'operations', 'human resources'],
  subject: ['maths', 'history', 'biology', 'chemistry', 'geography', 'literature', 'physics', 'art', 'music theory', 'Spanish'],
  illness: ['a cold', 'a headache', 'a sore throat', 'a cough', 'back pain', 'a sprained ankle', 'a mild fever', 'hay fever'],
  plant: ['tomatoes', 'roses', 'basil', 'sunflowers', 'strawberries', 'tulips', 'potatoes', 'lavender'],
  room: ['kitchen', 'bathroom', 'living room', 'bedroom', 'garage', 'hallway', 'attic', 'study'],
  weather: ['sunny', 'rainy', 'windy', 'cloudy', 'foggy', 'stormy', 'snowy', 'humid', 'cold', 'warm'],
  bill: ['rent', 'loan payment', 'credit card bill', 'phone bill', 'electricity bill', 'car insurance', 'mortgage', 'water bill'],
  greeting: ['Hi', 'Hello', 'Dear team', 'Good morning', 'Good afternoon', 'Hey'],
  signOff: ['Thanks', 'Best regards', 'Kind regards', 'Cheers', 'Many thanks', 'All the best'],
  numberWord: ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'],
} as const satisfies Record<string, readonly string[]>;

/** A slot name of {@link corpusWords}. */
export type CorpusWordSlot = keyof typeof corpusWords;
