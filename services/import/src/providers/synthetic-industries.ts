// The synthetic market's taxonomy: the 11 GICS sectors, industries with real SIC codes and
// descriptions (as Massive spells them), and words for company names. The theme rules of the
// cache sync match on these terms (software, semiconductors, biotechnology, pharmaceutical
// preparations, electric services, solar, renewable, banks, payments, blockchain…).

export interface Industry {
  industry: string;
  sicCode: string;
  sicDescription: string;
  /** Nouns for the company name: "<Root> <noun> <suffix>". */
  nouns: readonly string[];
  weight: number;
}

export interface Sector {
  name: string;
  /** Share of the market's symbols. */
  weight: number;
  industries: readonly Industry[];
}

const ind = (industry: string, sicCode: string, sicDescription: string, nouns: string[], weight = 1): Industry => ({
  industry,
  sicCode,
  sicDescription,
  nouns,
  weight,
});

export const SECTORS: readonly Sector[] = [
  {
    name: "Information Technology",
    weight: 0.15,
    industries: [
      ind("Software", "7372", "SERVICES-PREPACKAGED SOFTWARE", ["Software", "Cloud", "AI", "Data", "Analytics", "Cyber"], 3),
      ind("Semiconductors", "3674", "SEMICONDUCTORS & RELATED DEVICES", ["Semiconductor", "Micro", "Silicon", "Chip"], 2),
      ind("IT Services", "7373", "SERVICES-COMPUTER INTEGRATED SYSTEMS DESIGN", ["Systems", "Technologies", "Digital"]),
      ind("Computer Hardware", "3571", "ELECTRONIC COMPUTERS", ["Computer", "Devices", "Computing"]),
      ind("Communications Equipment", "3663", "RADIO & TV BROADCASTING & COMMUNICATIONS EQUIPMENT", ["Networks", "Wireless"]),
      ind("Crypto Mining", "7374", "SERVICES-COMPUTER PROCESSING & DATA PREPARATION", ["Bitcoin Mining", "Blockchain", "Digital Mining"], 0.5),
    ],
  },
  {
    name: "Health Care",
    weight: 0.16,
    industries: [
      ind("Biotechnology", "2836", "BIOLOGICAL PRODUCTS, (NO DIAGNOSTIC SUBSTANCES)", ["Biotherapeutics", "Biosciences", "Genomics", "Bio"], 3),
      ind("Pharmaceuticals", "2834", "PHARMACEUTICAL PREPARATIONS", ["Pharmaceuticals", "Therapeutics", "Pharma"], 2.5),
      ind("Medical Devices", "3841", "SURGICAL & MEDICAL INSTRUMENTS & APPARATUS", ["Medical", "Surgical", "Scientific"]),
      ind("Diagnostics", "2835", "IN VITRO & IN VIVO DIAGNOSTIC SUBSTANCES", ["Diagnostics", "Labs"], 0.7),
      ind("Health Care Providers", "8062", "SERVICES-HOSPITALS", ["Health", "Care", "Hospitals"], 0.7),
    ],
  },
  {
    name: "Financials",
    weight: 0.17,
    industries: [
      ind("Banks", "6022", "STATE COMMERCIAL BANKS", ["Bancorp", "Bank", "Financial", "Bancshares"], 3),
      ind("Capital Markets", "6211", "SECURITY BROKERS, DEALERS & FLOTATION COMPANIES", ["Capital", "Securities", "Asset Management"]),
      ind("Insurance", "6331", "FIRE, MARINE & CASUALTY INSURANCE", ["Insurance", "Assurance", "Re"]),
      ind("Payments", "7389", "SERVICES-BUSINESS SERVICES, NEC", ["Payments", "Pay", "Fintech"], 0.8),
      ind("Financial Services", "6199", "FINANCE SERVICES", ["Financial Services", "Lending", "Credit"], 0.8),
      ind("Digital Assets & Blockchain", "6199", "FINANCE SERVICES", ["Crypto", "Blockchain", "Digital Assets"], 0.4),
    ],
  },
  {
    name: "Consumer Discretionary",
    weight: 0.1,
    industries: [
      ind("Internet Retail", "5961", "RETAIL-CATALOG & MAIL-ORDER HOUSES", ["Commerce", "Online", "Marketplace"]),
      ind("Automobiles", "3711", "MOTOR VEHICLES & PASSENGER CAR BODIES", ["Motors", "Electric Vehicles", "Automotive"]),
      ind("Restaurants", "5812", "RETAIL-EATING PLACES", ["Restaurants", "Grill", "Kitchen"]),
      ind("Apparel", "2300", "APPAREL & OTHER FINISHD PRODS OF FABRICS & SIMILAR MATL", ["Apparel", "Brands", "Outfitters"]),
      ind("Hotels & Leisure", "7011", "HOTELS & MOTELS", ["Hotels", "Resorts", "Leisure"]),
    ],
  },
  {
    name: "Communication Services",
    weight: 0.05,
    industries: [
      ind("Interactive Media", "7370", "SERVICES-COMPUTER PROGRAMMING, DATA PROCESSING, ETC.", ["Media", "Social", "Interactive"]),
      ind("Telecom Services", "4813", "TELEPHONE COMMUNICATIONS (NO RADIOTELEPHONE)", ["Telecom", "Communications"]),
      ind("Wireless Telecom", "4812", "RADIOTELEPHONE COMMUNICATIONS", ["Mobile", "Wireless"], 0.5),
      ind("Entertainment", "7812", "SERVICES-MOTION PICTURE & VIDEO TAPE PRODUCTION", ["Entertainment", "Studios", "Pictures"]),
    ],
  },
  {
    name: "Industrials",
    weight: 0.12,
    industries: [
      ind("Aerospace & Defense", "3721", "AIRCRAFT", ["Aerospace", "Defense", "Aviation"]),
      ind("Machinery", "3531", "CONSTRUCTION MACHINERY & EQUIP", ["Machinery", "Industries", "Equipment"]),
      ind("Electrical Equipment", "3690", "MISCELLANEOUS ELECTRICAL MACHINERY, EQUIPMENT & SUPPLIES", ["Electric", "Power Systems"]),
      ind("Solar & Renewable Equipment", "3690", "MISCELLANEOUS ELECTRICAL MACHINERY, EQUIPMENT & SUPPLIES", ["Solar", "Renewable Power", "Clean Energy"], 0.6),
      ind("Transportation", "4213", "TRUCKING (NO LOCAL)", ["Logistics", "Freight", "Transport"]),
      ind("Airlines", "4512", "AIR TRANSPORTATION, SCHEDULED", ["Airlines", "Air"], 0.4),
    ],
  },
  {
    name: "Consumer Staples",
    weight: 0.05,
    industries: [
      ind("Beverages", "2080", "BEVERAGES", ["Beverage", "Brewing", "Drinks"]),
      ind("Food Products", "2000", "FOOD AND KINDRED PRODUCTS", ["Foods", "Farms", "Nutrition"]),
      ind("Household Products", "2840", "SOAP, DETERGENTS, CLEANG PREPARATIONS, PERFUMES, COSMETICS", ["Home", "Consumer Products"]),
      ind("Food Retail", "5411", "RETAIL-GROCERY STORES", ["Markets", "Grocers"], 0.6),
    ],
  },
  {
    name: "Energy",
    weight: 0.05,
    industries: [
      ind("Oil & Gas Exploration", "1311", "CRUDE PETROLEUM & NATURAL GAS", ["Energy", "Petroleum", "Resources"], 2),
      ind("Oil & Gas Refining", "2911", "PETROLEUM REFINING", ["Refining", "Fuels"], 0.5),
      ind("Oilfield Services", "1389", "OIL & GAS FIELD SERVICES, NEC", ["Drilling", "Oilfield Services"]),
      ind("Pipelines", "4922", "NATURAL GAS TRANSMISSION", ["Midstream", "Pipeline"], 0.6),
    ],
  },
  {
    name: "Utilities",
    weight: 0.04,
    industries: [
      ind("Electric Utilities", "4911", "ELECTRIC SERVICES", ["Electric", "Power", "Energy"], 2),
      ind("Renewable Electricity", "4911", "ELECTRIC SERVICES", ["Renewables", "Solar Power", "Wind Energy", "Green Power"]),
      ind("Gas Utilities", "4923", "NATURAL GAS TRANSMISSION & DISTRIBUTION", ["Gas", "Utilities"], 0.6),
      ind("Water Utilities", "4941", "WATER SUPPLY", ["Water"], 0.4),
    ],
  },
  {
    name: "Real Estate",
    weight: 0.06,
    industries: [
      ind("REITs", "6798", "REAL ESTATE INVESTMENT TRUSTS", ["Realty", "Properties", "REIT", "Residential"], 3),
      ind("Real Estate Services", "6500", "REAL ESTATE", ["Real Estate", "Land"]),
    ],
  },
  {
    name: "Materials",
    weight: 0.05,
    industries: [
      ind("Chemicals", "2800", "CHEMICALS & ALLIED PRODUCTS", ["Chemical", "Materials"], 1.5),
      ind("Metals & Mining", "1000", "METAL MINING", ["Mining", "Metals", "Gold", "Lithium"], 1.5),
      ind("Steel", "3312", "STEEL WORKS, BLAST FURNACES & ROLLING MILLS (COKE OVENS)", ["Steel"], 0.5),
      ind("Packaging", "2650", "PAPERBOARD CONTAINERS & BOXES", ["Packaging", "Containers"], 0.5),
    ],
  },
];

/** First parts of company names, combined with a second syllable or used alone. */
export const NAME_ROOTS: readonly string[] = [
  "Aurora", "Apex", "Atlas", "Beacon", "Blue", "Bright", "Cardinal", "Cascade", "Cedar", "Century",
  "Clear", "Coastal", "Cobalt", "Crest", "Crown", "Delta", "Eagle", "Echo", "Ember", "Evergreen",
  "Falcon", "First", "Frontier", "Galaxy", "Granite", "Harbor", "Heritage", "Horizon", "Iron", "Keystone",
  "Liberty", "Lumen", "Magnolia", "Maple", "Meridian", "Nova", "Oak", "Orion", "Pacific", "Peak",
  "Phoenix", "Pinnacle", "Pioneer", "Polar", "Prairie", "Quantum", "Radiant", "Redwood", "Ridge", "River",
  "Sierra", "Silver", "Sky", "Solaris", "Sterling", "Summit", "Sun", "Terra", "Titan", "Trident",
  "Union", "Vanguard", "Vertex", "Vista", "Westbrook", "Zenith", "Arc", "Bold", "Core", "Vector",
];

export const NAME_SECOND: readonly string[] = [
  "", "", "", "", "view", "line", "point", "stone", "field", "gate", "wave", "bridge", "path", "light",
  "way", "mark", "star", "wood", "ton", "ix", "era", "on", "ova", "ant",
];

export const CORPORATE_SUFFIXES: readonly string[] = ["Inc.", "Corp.", "Holdings Inc.", "Group Inc.", "Co.", "Ltd.", "plc", "Inc."];

export const GICS_SECTOR_NAMES: readonly string[] = SECTORS.map((s) => s.name);
